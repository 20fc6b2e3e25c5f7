package gen

import (
	"fmt"

	"google.golang.org/protobuf/compiler/protogen"
)

// method is one rpc of the service with what the generator decided about it.
type method struct {
	*protogen.Method
	CallType   *callType
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
		if msg == nil && pkg.findMapEntry(mo.customReturnType) != nil {
			return nil, fmt.Errorf("custom_return_type %q names the entry of a map field, which is not a message: it has no Go type (give the Go name of a message in that package)",
				mo.customReturnType)
		}
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

// HasQF reports whether the method has a function in QuorumSpec.
func (m *method) HasQF() bool { return m.CallType.quorumFunction != noQF }

// Correctable reports whether the quorum function also returns a level.
func (m *method) Correctable() bool { return m.CallType.quorumFunction == levelQF }

// Handle is the name of the generated type an asynchronous or correctable call returns, as
// Gorums v0.7 named it (AsyncState, CorrectableState, CorrectableStreamState), or "" for
// other call types.
func (m *method) Handle() string {
	if m.CallType.handle == "" {
		return ""
	}
	return m.CallType.handlePrefix + m.Out.GoName
}

// HandleType is the runtime's generic type that Handle embeds.
func (m *method) HandleType() string { return m.CallType.handle }

// OneWay reports whether the client expects no reply, so the server handler returns none.
func (m *method) OneWay() bool { return m.CallType.oneWay() }

// Engine is the runtime function that carries out a call of this method.
func (m *method) Engine() string {
	if m.PerNodeArg {
		return m.CallType.engine + "PerNode"
	}
	return m.CallType.engine
}

// ServerHandler is the runtime function that adapts the server method to a handler.
func (m *method) ServerHandler() string { return m.CallType.server.handler }
