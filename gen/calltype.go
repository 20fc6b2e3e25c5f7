package gen

import (
	"fmt"
	"strings"
)

// callType is what a method becomes in the generated client (DESIGN §3).
type callType int

const (
	orderedRPC callType = iota
	unicast
	multicast
	quorumCall
	asyncQuorumCall
	correctable
	correctableStream
)

// String names the call type as error messages and generated comments speak of it.
func (ct callType) String() string {
	switch ct {
	case orderedRPC:
		return "ordered RPC"
	case unicast:
		return "unicast"
	case multicast:
		return "multicast"
	case quorumCall:
		return "quorum call"
	case asyncQuorumCall:
		return "asynchronous quorum call"
	case correctable:
		return "correctable quorum call"
	case correctableStream:
		return "correctable stream quorum call"
	}
	return fmt.Sprintf("callType(%d)", int(ct))
}

// withArticle is String with "a" or "an" before it, for error messages.
func (ct callType) withArticle() string {
	if ct == orderedRPC || ct == asyncQuorumCall {
		return "an " + ct.String()
	}
	return "a " + ct.String()
}

// onConfiguration reports whether the client method is on Configuration (else on Node).
func (ct callType) onConfiguration() bool { return ct != orderedRPC && ct != unicast }

// oneWay reports whether the call sends requests and expects no reply.
func (ct callType) oneWay() bool { return ct == unicast || ct == multicast }

// hasQuorumFunction reports whether the call type gets a function in QuorumSpec.
func (ct callType) hasQuorumFunction() bool {
	return ct == quorumCall || ct == asyncQuorumCall || ct == correctable || ct == correctableStream
}

// isCorrectable reports whether the call returns a Correctable handle whose quorum function
// also reports a level.
func (ct callType) isCorrectable() bool { return ct == correctable || ct == correctableStream }

// takesPerNodeArg reports whether per_node_arg makes sense: only calls that send to several
// nodes can send each a different request.
func (ct callType) takesPerNodeArg() bool { return ct.onConfiguration() }

// takesCustomReturnType reports whether custom_return_type makes sense: only calls whose
// result a quorum function computes can return another type than the reply.
func (ct callType) takesCustomReturnType() bool { return ct.hasQuorumFunction() }

// classify decides a method's call type from its options and streaming, refusing
// combinations that make no sense.
func classify(mo methodOptions, clientStreaming, serverStreaming bool) (callType, error) {
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
		return 0, fmt.Errorf("options %s are set, but a method has exactly one call type", strings.Join(set, " and "))
	}
	if mo.async && !mo.quorumcall {
		return 0, fmt.Errorf("option async requires option quorumcall")
	}
	ct := orderedRPC
	switch {
	case mo.unicast:
		ct = unicast
	case mo.multicast:
		ct = multicast
	case mo.quorumcall && mo.async:
		ct = asyncQuorumCall
	case mo.quorumcall:
		ct = quorumCall
	case mo.correctable && serverStreaming:
		ct = correctableStream
	case mo.correctable:
		ct = correctable
	}
	if clientStreaming {
		return 0, fmt.Errorf("client-streaming input is not supported by any call type")
	}
	if serverStreaming && ct != correctableStream {
		return 0, fmt.Errorf("%s cannot have a server-streaming output; only correctable methods may return a stream", ct.withArticle())
	}
	if mo.perNodeArg && !ct.takesPerNodeArg() {
		return 0, fmt.Errorf("option per_node_arg does not apply to %s (only to multicast, quorumcall and correctable methods)", ct.withArticle())
	}
	if mo.customReturnType != "" && !ct.takesCustomReturnType() {
		return 0, fmt.Errorf("option custom_return_type does not apply to %s (only to quorumcall and correctable methods)", ct.withArticle())
	}
	return ct, nil
}
