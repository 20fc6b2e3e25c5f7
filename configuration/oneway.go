package configuration

import (
	"context"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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
// either way, and a message queued this way is sent even if the call's context ends later.
func WithNoSendWaiting() CallOption {
	return callOptionFunc(func(o *callOptions) { o.noSendWaiting = true })
}

// returned is a closed channel: the Done of one-way requests whose call returns without
// waiting, so that the caller's context ending later does not withdraw them.
var returned = func() chan struct{} { ch := make(chan struct{}); close(ch); return ch }()

// oneWaySignals returns the Sent channel a one-way call waits on (nil if it does not wait)
// and the Done its requests carry. A call that waits for its messages to reach the streams
// lets its context withdraw those not yet sent; one that does not wait has already returned.
func oneWaySignals(o callOptions, nodes int) (sent chan error, done <-chan struct{}) {
	if o.noSendWaiting {
		return nil, returned
	}
	return make(chan error, nodes), nil
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
	sent, done := oneWaySignals(o, 1)
	if err := manager.Enqueue(n, manager.Request{Ctx: ctx, MsgID: msgID, Frame: frame, Sent: sent, Done: done}); err != nil || sent == nil {
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
	sent, done := oneWaySignals(o, len(c.nodes))
	msgID := c.mgr.NextMsgID()
	frames := &framer[Req]{ctx: ctx, msgID: msgID, method: method, in: in, perNode: perNode}
	// First every node whose mailbox has room, then, waiting for room, the rest, each on its
	// own: a node that does not keep up must not hold the message back from the others. Each
	// node still gets its messages in the order they were sent.
	waiting := 0
	var full []manager.Request
	var fullNodes []*manager.Node
	for _, n := range c.nodes {
		frame, err := frames.frameFor(n)
		if err != nil {
			manager.LoggerOf(n).Warn("multicast: request does not encode", logfield.Method(method), logfield.Error(err))
			continue
		}
		if frame == nil {
			continue
		}
		r := manager.Request{Ctx: ctx, MsgID: msgID, Frame: frame, Sent: sent, Done: done}
		switch err := manager.TryEnqueue(n, r); {
		case err == nil:
			waiting++
		case status.Code(err) == codes.ResourceExhausted:
			full = append(full, r)
			fullNodes = append(fullNodes, n)
		}
	}
	waiting += enqueueWaiting(fullNodes, full)
	for ; sent != nil && waiting > 0; waiting-- {
		select {
		case <-sent:
		case <-ctx.Done():
			return
		}
	}
}

// enqueueWaiting queues rs[i] for nodes[i], waiting for room in each mailbox concurrently, and
// returns how many were queued. It is the slow path of a multicast: only nodes whose mailbox
// was full get here, and all its goroutines have ended when it returns.
func enqueueWaiting(nodes []*manager.Node, rs []manager.Request) int {
	if len(nodes) == 1 {
		if manager.Enqueue(nodes[0], rs[0]) == nil {
			return 1
		}
		return 0
	}
	var queued atomic.Int32
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			if manager.Enqueue(nodes[i], rs[i]) == nil {
				queued.Add(1)
			}
		})
	}
	wg.Wait()
	return int(queued.Load())
}
