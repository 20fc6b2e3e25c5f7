package gen

import (
	"fmt"

	"google.golang.org/protobuf/compiler/protogen"
)

// method is one rpc of the service with what the generator decided about it.
type method struct {
	*protogen.Method
	CallType   callType
	PerNodeArg bool
	// Out is what the quorum function and the client method return: the output message,
	// or the message named by custom_return_type.
	Out protogen.GoIdent
}

// newMethod reads m's options and classifies it. Errors are prefixed by the caller.
func newMethod(pkg goPackage, m *protogen.Method) (*method, error) {
	mo, err := readMethodOptions(m.Desc.Options())
	if err != nil {
		return nil, err
	}
	ct, err := classify(mo, m.Desc.IsStreamingClient(), m.Desc.IsStreamingServer())
	if err != nil {
		return nil, err
	}
	out := m.Output.GoIdent
	if mo.customReturnType != "" {
		msg := pkg.findMessage(mo.customReturnType)
		if msg == nil {
			return nil, fmt.Errorf("custom_return_type %q names no message of Go package %s (give the Go name of a message in that package)",
				mo.customReturnType, string(pkg.importPath))
		}
		out = msg.GoIdent
	}
	return &method{Method: m, CallType: ct, PerNodeArg: mo.perNodeArg, Out: out}, nil
}

// FullName is the name the runtime routes the method by: package.Service.Method.
func (m *method) FullName() string { return string(m.Desc.FullName()) }

// QF is the name of the method's quorum function in QuorumSpec.
func (m *method) QF() string { return m.GoName + "QF" }

// Alias is the name of the handle type an asynchronous or correctable call returns, as the
// original Gorums named it, or "" for other call types.
func (m *method) Alias() string {
	switch m.CallType {
	case asyncQuorumCall:
		return "Async" + m.Out.GoName
	case correctable:
		return "Correctable" + m.Out.GoName
	case correctableStream:
		return "CorrectableStream" + m.Out.GoName
	}
	return ""
}

// HandleType is the runtime's generic type that Alias stands for.
func (m *method) HandleType() string {
	if m.CallType == asyncQuorumCall {
		return "Async"
	}
	return "Correctable"
}

// Kind names the call type for the templates, which pick a client method shape by it.
func (m *method) Kind() string {
	switch m.CallType {
	case unicast:
		return "unicast"
	case multicast:
		return "multicast"
	case quorumCall:
		return "quorumcall"
	case asyncQuorumCall:
		return "async"
	case correctable:
		return "correctable"
	case correctableStream:
		return "correctablestream"
	}
	return "rpc"
}

// Correctable reports whether the quorum function also returns a level.
func (m *method) Correctable() bool { return m.CallType.isCorrectable() }

// OneWay reports whether the client expects no reply, so the server handler returns none.
func (m *method) OneWay() bool { return m.CallType.oneWay() }

// Engine is the runtime function that carries out a quorum-function call of this method.
func (m *method) Engine() string {
	var name string
	switch m.CallType {
	case quorumCall:
		name = "QuorumCall"
	case asyncQuorumCall:
		name = "AsyncCall"
	case correctable:
		name = "CorrectableCall"
	case correctableStream:
		name = "CorrectableStreamCall"
	default:
		return ""
	}
	if m.PerNodeArg {
		name += "PerNode"
	}
	return name
}

// ServerHandler is the runtime function that adapts the server method to a handler.
func (m *method) ServerHandler() string {
	switch {
	case m.CallType.oneWay():
		return "OneWayHandler"
	case m.CallType == correctableStream:
		return "StreamHandler"
	}
	return "UnaryHandler"
}
