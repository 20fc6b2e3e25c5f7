package configuration

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/manager"
)

// QuorumCall sends in to every node of c and returns what qf makes of the replies as soon as it
// reports a quorum. The call fails with a QuorumCallError when every node has answered or
// failed without a quorum, or when ctx ends first. Replies that come after the call returned
// are dropped.
func QuorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	return startQuorumCall(ctx, c, method, in, nil, qf).await()
}

// QuorumCallPerNode is QuorumCall with a request computed per node: perNode(in, nodeID) gives
// the message for that node, or nil to leave the node out of the call. The quorum function sees
// replies from the nodes that were asked; if every node is left out the call fails at once.
func QuorumCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	return startQuorumCall(ctx, c, method, in, perNode, qf).await()
}

// quorumCall is a quorum call whose requests are on their way; await runs its collector. Its
// parts are held by value so that a call costs one allocation for them all.
type quorumCall[Req, Resp proto.Message, Out any] struct {
	cl      call
	t       tally[Req, Resp, Out]
	frames  framer[Req]
	started bool // false for a call decided before anything was sent
	out     Out
	done    bool
	err     error
}

// startQuorumCall sends the requests from the caller's goroutine, so that calls issued one
// after another reach each node in that order whatever goroutine collects their replies.
func startQuorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) *quorumCall[Req, Resp, Out] {
	q := &quorumCall[Req, Resp, Out]{}
	if len(c.nodes) == 0 {
		q.done, q.err = true, incompleteError(0, nil)
		return q
	}
	q.started = true
	q.cl.init(ctx, c, method, len(c.nodes))
	q.t.init(in, len(c.nodes), qf)
	q.frames = framer[Req]{ctx: ctx, msgID: q.cl.msgID, method: method, in: in, perNode: perNode}
	q.cl.send(q.frames.frameFor, func(id uint32, cause error) {
		if !q.done {
			q.out, q.done, q.err = q.t.fail(id, cause)
		}
	})
	// Nodes that perNode left out count as neither replies nor failures: the call needs a
	// quorum of the nodes that were asked.
	q.t.expected = q.cl.sent + len(q.t.errs)
	if !q.done && q.t.expected == len(q.t.errs) {
		q.out, q.done, q.err = q.t.checkComplete()
	}
	return q
}

// await is the collector: it takes responses from the call's mailbox and feeds the tally until
// the call is decided or its context ends.
func (q *quorumCall[Req, Resp, Out]) await() (Out, error) {
	if !q.started {
		return q.out, q.err
	}
	cl, t := &q.cl, &q.t
	for !q.done {
		select {
		case r := <-cl.replies:
			resp, err := receive[Resp](cl, r)
			if err != nil {
				q.out, q.done, q.err = t.fail(r.NodeID, err)
			} else {
				q.out, q.done, q.err = t.reply(r.NodeID, resp)
			}
		case <-cl.ctx.Done():
			var zero Out
			q.out, q.done, q.err = zero, true, t.abort(cl.ctx.Err())
		}
	}
	cl.finish(len(t.replies), len(t.errs), q.err)
	return q.out, q.err
}

// framer gives each node of a call its frame: one shared encoding of in, made for the first
// node, or one per node when perNode is set (nil from perNode skips the node).
type framer[Req proto.Message] struct {
	ctx     context.Context
	msgID   uint64
	method  string
	in      Req
	perNode func(Req, uint32) Req
	shared  *wire.Frame
	err     error
	encoded bool
}

func (f *framer[Req]) frameFor(n *manager.Node) (*wire.Frame, error) {
	if f.perNode == nil {
		if !f.encoded {
			f.shared, f.err = encodeRequest(f.ctx, f.msgID, f.method, f.in)
			f.encoded = true
		}
		return f.shared, f.err
	}
	msg := f.perNode(f.in, n.ID())
	if isNil(msg) {
		return nil, nil
	}
	return encodeRequest(f.ctx, f.msgID, f.method, msg)
}

// isNil reports whether a message pointer is nil (a typed nil inside the interface included).
func isNil[M proto.Message](m M) bool {
	return any(m) == nil || !m.ProtoReflect().IsValid()
}
