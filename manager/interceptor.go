package manager

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
)

// CallInfo describes a call to a ClientInterceptor, before anything is sent.
type CallInfo struct {
	// Method is the full name of the called method: package.Service.Method.
	Method string
	// NodeIDs are the IDs of the configuration's nodes the call is made on, in increasing
	// order. A per-node call's function may still leave some of them out; the outcome's
	// Replies and Errors say which nodes took part.
	NodeIDs []uint32
	// Request is the call's request (for per-node calls, the one the per-node function is
	// given). Interceptors must not modify it.
	Request proto.Message
}

// CallOutcome is what a ClientInterceptor is told when a call has ended.
type CallOutcome struct {
	// Replies is the number of successful replies (for one-way calls: of messages sent).
	Replies int
	// Errors holds each failed node's error, by node ID.
	Errors map[uint32]error
	// Latency is the time from the call's start to its end.
	Latency time.Duration
	// Err is the error the call returned: nil if it succeeded (for one-way calls, always
	// nil, unless an interceptor refused the call).
	Err error
}

// ClientInterceptor is called before every call of every call type (ordered RPC, unicast,
// multicast, quorum, async and correctable calls) on the manager's nodes. It may return a new
// context, for example with outgoing metadata (metadata.AppendToOutgoingContext), which the
// call then uses; or an error, which refuses the call: nothing is sent and the call fails with
// that error (a one-way call is dropped). The function it returns, if not nil, is told the
// call's outcome when the call ends, on the goroutine that collected the call (for async and
// correctable calls, not the caller's).
//
// Interceptors run in the order given to WithInterceptors; the outcome functions in reverse
// order. They must be safe for concurrent use and quick: they run on every call's path. A
// panic is contained: an interceptor that panics refuses the call with Internal (the ones
// before it are told), and a panicking outcome function is logged at Error and skipped.
type ClientInterceptor func(ctx context.Context, call CallInfo) (context.Context, func(CallOutcome), error)

// WithInterceptors adds client interceptors to the manager; see ClientInterceptor.
func WithInterceptors(interceptors ...ClientInterceptor) Option {
	return optionFunc(func(o *options) {
		for _, i := range interceptors {
			if i != nil {
				o.interceptors = append(o.interceptors, i)
			}
		}
	})
}
