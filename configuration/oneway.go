package configuration

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/logfield"
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
// either way.
func WithNoSendWaiting() CallOption {
	return callOptionFunc(func(o *callOptions) { o.noSendWaiting = true })
}

func getCallOptions(opts []CallOption) callOptions {
	var o callOptions
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	return o
}

// Unicast sends in to node n and expects no reply. It returns when the message is on the
// node's stream (or could not be put there), or, with WithNoSendWaiting, when it is queued.
func Unicast[Req proto.Message](ctx context.Context, n *manager.Node, method string, in Req, opts ...CallOption) {
	msgID := manager.NextMsgID(n)
	frame, err := encodeRequest(ctx, msgID, method, in)
	if err != nil {
		manager.LoggerOf(n).Warn("unicast: request does not encode", logfield.Method(method), logfield.Error(err))
		return
	}
	o := getCallOptions(opts)
	var sent chan error
	if !o.noSendWaiting {
		sent = make(chan error, 1)
	}
	if err := manager.Enqueue(n, manager.Request{Ctx: ctx, MsgID: msgID, Frame: frame, Sent: sent}); err != nil || sent == nil {
		return
	}
	select {
	case <-sent:
	case <-ctx.Done():
	}
}

// Multicast sends in to every node of c and expects no replies. The request is encoded once.
// It returns when the message is on every node's stream (or could not be put there), or, with
// WithNoSendWaiting, when it is queued for every node.
func Multicast[Req proto.Message](ctx context.Context, c Configuration, method string, in Req, opts ...CallOption) {
	multicast(ctx, c, method, in, nil, opts)
}

// MulticastPerNode is Multicast with a message per node: perNode(in, nodeID) gives the message
// for that node, or nil to skip it.
func MulticastPerNode[Req proto.Message](ctx context.Context, c Configuration, method string, in Req,
	perNode func(Req, uint32) Req, opts ...CallOption,
) {
	multicast(ctx, c, method, in, perNode, opts)
}

func multicast[Req proto.Message](ctx context.Context, c Configuration, method string, in Req,
	perNode func(Req, uint32) Req, opts []CallOption,
) {
	if len(c.nodes) == 0 {
		return
	}
	o := getCallOptions(opts)
	var sent chan error
	if !o.noSendWaiting {
		sent = make(chan error, len(c.nodes))
	}
	msgID := c.mgr.NextMsgID()
	frameFor := framer(ctx, msgID, method, in, perNode)
	waiting := 0
	for _, n := range c.nodes {
		frame, err := frameFor(n)
		if err != nil {
			manager.LoggerOf(n).Warn("multicast: request does not encode", logfield.Method(method), logfield.Error(err))
			continue
		}
		if frame == nil {
			continue
		}
		if manager.Enqueue(n, manager.Request{Ctx: ctx, MsgID: msgID, Frame: frame, Sent: sent}) == nil {
			waiting++
		}
	}
	for ; sent != nil && waiting > 0; waiting-- {
		select {
		case <-sent:
		case <-ctx.Done():
			return
		}
	}
}
