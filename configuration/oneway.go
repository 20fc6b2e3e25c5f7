package configuration

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/manager"
)

// CallOption configures a one-way call (unicast or multicast).
type CallOption interface {
	apply(*callOptions)
}

type callOptions struct {
	noSendWaiting bool
}

type callOptionFunc func(*callOptions)

func (f callOptionFunc) apply(o *callOptions) { f(o) }

// WithNoSendWaiting makes a one-way call return as soon as its message is in each node's
// mailbox, instead of waiting until the node actor has handed it to the stream. Order is kept
// either way, and a message queued this way is sent even if the call's context ends later.
func WithNoSendWaiting() CallOption {
	return callOptionFunc(func(o *callOptions) { o.noSendWaiting = true })
}

func getCallOptions(opts []CallOption) callOptions {
	if len(opts) == 0 {
		return callOptions{} // without the allocation that handing &o to an option costs
	}
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return o
}

// Unicast sends in to node n and expects no reply. It returns when the message is on the
// node's stream (or could not be put there), or, with WithNoSendWaiting, as soon as it is
// queued (or dropped, if the node's mailbox is full).
func Unicast[Req proto.Message](ctx context.Context, n *manager.Node, method string, in Req, opts ...CallOption) {
	c, err := single(n)
	if err != nil {
		return
	}
	oneWay(ctx, c, method, in, nil, opts)
}

// Multicast sends in to every node of c and expects no replies. The request is encoded once.
// It returns when the message is on every node's stream (or could not be put there), or, with
// WithNoSendWaiting, as soon as it is queued for every node with room in its mailbox (it is
// dropped for the others).
func Multicast[Req proto.Message](ctx context.Context, c Configuration, method string, in Req, opts ...CallOption) {
	oneWay(ctx, c, method, in, nil, opts)
}

// MulticastPerNode is Multicast with a message per node: perNode(in, nodeID) gives the message
// for that node, or nil to skip it.
func MulticastPerNode[Req proto.Message](ctx context.Context, c Configuration, method string, in Req,
	perNode func(Req, uint32) Req, opts ...CallOption,
) {
	oneWay(ctx, c, method, in, perNode, opts)
}

// oneWay runs a unicast or multicast. Without WithNoSendWaiting it waits for room in full
// mailboxes (each node's copy on its own, so a slow node holds back only its own) and then for
// every message to be on its stream, or the context to end, which withdraws those not yet
// sent. With it, it never waits: a node whose mailbox is full misses the message, which is
// logged, and the messages queued are sent whatever the context does later.
func oneWay[Req proto.Message](ctx context.Context, c Configuration, method string, in Req,
	perNode func(Req, uint32) Req, opts []CallOption,
) {
	o := getCallOptions(opts)
	r := request[Req]{method: method, in: in, perNode: perNode, kind: callproto.OneWay, mode: waitForRoom}
	if o.noSendWaiting {
		r.mode = failFull
	}
	cl := startCall[Req, Req, struct{}](ctx, c, r, nil, nil)
	cl.returns = returnsNone
	if !o.noSendWaiting {
		_, _ = cl.collect(nil)
		return
	}
	cl.returnAtOnce()
}
