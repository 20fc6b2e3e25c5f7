package gen

import (
	"fmt"
	"slices"
	"strings"
)

// callType is one row of the call type table: everything the generator knows about a call
// type, from the options that select it to the runtime function its client method calls. A
// new call type is a new row (and its client template); no other code switches on call types.
type callType struct {
	// name is how error messages and generated comments speak of the call type.
	name string
	// article is "a" or "an", for error messages.
	article string

	// option is the method option of gorums.proto that selects the call type; "rpc" is also
	// what a method without a Gorums option gets.
	option string
	// async and serverStream are the other parts of the selection: option async, and a
	// server-streaming output ("returns (stream Resp)").
	async        bool
	serverStream bool
	// clientStream is whether a client-streaming input ("rpc M(stream Req)") is accepted.
	// Gorums v0.7 accepted it on multicast methods and generated an ordinary multicast, which
	// sends one message per call; we do the same, so .proto files written for it compile.
	clientStream bool
	// perNodeArg and customReturnType are whether the modifiers of those names apply.
	perNodeArg       bool
	customReturnType bool

	// onConfiguration is the receiver of the client method: Configuration, or else Node.
	onConfiguration bool
	// template is the name of the client method's template.
	template string
	// engine is the runtime function in the module root that the client method calls; with
	// per_node_arg it calls engine+"PerNode".
	engine string
	// quorumFunction is the shape of the method's function in QuorumSpec, if it has one.
	quorumFunction qfShape
	// handle is the runtime's generic type the client method returns (embedded in a
	// generated struct named handlePrefix + the result's Go name), or "" for none.
	handle       string
	handlePrefix string
	// server is the shape of the method in the server interface.
	server serverShape
}

// qfShape is the shape of a quorum function.
type qfShape int

const (
	noQF    qfShape = iota // the call type has no quorum function
	plainQF                // (result, ok)
	levelQF                // (result, level, ok)
)

// serverShape is the shape of a server method: its template and the runtime function that
// adapts it to a handler.
type serverShape struct {
	template string
	handler  string
}

var (
	unaryServer  = serverShape{template: "serverUnary", handler: "UnaryHandler"}
	oneWayServer = serverShape{template: "serverOneWay", handler: "OneWayHandler"}
	streamServer = serverShape{template: "serverStream", handler: "StreamHandler"}
)

// callTypes is the call type table. The order is the order of the README's table.
var callTypes = []*callType{
	{
		name: "ordered RPC", article: "an", option: "rpc",
		template: "rpc", engine: "RPCCall", server: unaryServer,
	},
	{
		name: "unicast", article: "a", option: "unicast",
		template: "unicast", engine: "Unicast", server: oneWayServer,
	},
	{
		name: "multicast", article: "a", option: "multicast",
		clientStream: true, perNodeArg: true, onConfiguration: true,
		template: "multicast", engine: "Multicast", server: oneWayServer,
	},
	{
		name: "quorum call", article: "a", option: "quorumcall",
		perNodeArg: true, customReturnType: true, onConfiguration: true,
		template: "quorumcall", engine: "QuorumCall", quorumFunction: plainQF, server: unaryServer,
	},
	{
		name: "asynchronous quorum call", article: "an", option: "quorumcall", async: true,
		perNodeArg: true, customReturnType: true, onConfiguration: true,
		template: "async", engine: "AsyncCall", quorumFunction: plainQF,
		handle: "Async", handlePrefix: "Async", server: unaryServer,
	},
	{
		name: "correctable quorum call", article: "a", option: "correctable",
		perNodeArg: true, customReturnType: true, onConfiguration: true,
		template: "correctable", engine: "CorrectableCall", quorumFunction: levelQF,
		handle: "Correctable", handlePrefix: "Correctable", server: unaryServer,
	},
	{
		name: "correctable stream quorum call", article: "a", option: "correctable", serverStream: true,
		perNodeArg: true, customReturnType: true, onConfiguration: true,
		template: "correctablestream", engine: "CorrectableStreamCall", quorumFunction: levelQF,
		handle: "Correctable", handlePrefix: "CorrectableStream", server: streamServer,
	},
}

// String names the call type as error messages and generated comments speak of it.
func (ct *callType) String() string { return ct.name }

// withArticle is String with "a" or "an" before it, for error messages.
func (ct *callType) withArticle() string { return ct.article + " " + ct.name }

// oneWay reports whether the call sends requests and expects no reply.
func (ct *callType) oneWay() bool { return ct.server == oneWayServer }

// receiver is the generated type the client method is declared on.
func (ct *callType) receiver() string {
	if ct.onConfiguration {
		return "Configuration"
	}
	return "Node"
}

// classify decides a method's call type from its options and streaming, refusing
// combinations that make no sense. A combination that no row of the table accepts is an
// error, whatever it is; there is no default call type but the ordered RPC of a method
// without options.
func classify(mo methodOptions, clientStreaming, serverStreaming bool) (*callType, error) {
	var set []string
	for _, o := range []struct {
		name string
		on   bool
	}{
		{"rpc", mo.rpc},
		{"unicast", mo.unicast},
		{"multicast", mo.multicast},
		{"quorumcall", mo.quorumcall},
		{"correctable", mo.correctable},
	} {
		if o.on {
			set = append(set, o.name)
		}
	}
	if len(set) > 1 {
		return nil, fmt.Errorf("options %s are set, but a method has exactly one call type", strings.Join(set, " and "))
	}
	option := "rpc"
	if len(set) == 1 {
		option = set[0]
	}
	if mo.async && !anyRow(func(ct *callType) bool { return ct.option == option && ct.async }) {
		return nil, fmt.Errorf("option async requires option %s", optionsWhere(func(ct *callType) bool { return ct.async }))
	}
	var ct, unary *callType
	for _, row := range callTypes {
		if row.option != option || row.async != mo.async {
			continue
		}
		if row.serverStream == serverStreaming {
			ct = row
		}
		if !row.serverStream {
			unary = row
		}
	}
	if ct == nil {
		if serverStreaming && unary != nil {
			return nil, fmt.Errorf("%s cannot have a server-streaming output; only %s methods may return a stream",
				unary.withArticle(), optionsWhere(func(ct *callType) bool { return ct.serverStream }))
		}
		return nil, fmt.Errorf("no call type has option %s with async=%t and server streaming=%t", option, mo.async, serverStreaming)
	}
	if clientStreaming && !ct.clientStream {
		return nil, fmt.Errorf("%s cannot have a client-streaming input; only %s methods may take a stream (and send one message per call)",
			ct.withArticle(), optionsWhere(func(ct *callType) bool { return ct.clientStream }))
	}
	if mo.perNodeArg && !ct.perNodeArg {
		return nil, fmt.Errorf("option per_node_arg does not apply to %s (only to %s methods)",
			ct.withArticle(), optionsWhere(func(ct *callType) bool { return ct.perNodeArg }))
	}
	if mo.customReturnType != "" && !ct.customReturnType {
		return nil, fmt.Errorf("option custom_return_type does not apply to %s (only to %s methods)",
			ct.withArticle(), optionsWhere(func(ct *callType) bool { return ct.customReturnType }))
	}
	return ct, nil
}

// anyRow reports whether some row of the table satisfies f.
func anyRow(f func(*callType) bool) bool {
	for _, ct := range callTypes {
		if f(ct) {
			return true
		}
	}
	return false
}

// optionsWhere lists, for error messages, the selecting options of the rows that satisfy f,
// each once, in table order: "multicast, quorumcall and correctable".
func optionsWhere(f func(*callType) bool) string {
	var names []string
	for _, ct := range callTypes {
		if f(ct) && !slices.Contains(names, ct.option) {
			names = append(names, ct.option)
		}
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
