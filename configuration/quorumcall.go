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
	return quorumCall(ctx, c, method, in, nil, qf)
}

// QuorumCallPerNode is QuorumCall with a request computed per node: perNode(in, nodeID) gives
// the message for that node, or nil to leave the node out of the call.
func QuorumCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	return quorumCall(ctx, c, method, in, perNode, qf)
}

func quorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	var zero Out
	if len(c.nodes) == 0 {
		return zero, incompleteError(0, nil)
	}
	cl := newCall(ctx, c, method, len(c.nodes))
	t := newTally(in, len(c.nodes), qf)
	var (
		out  Out
		done bool
		err  error
	)
	fail := func(id uint32, cause error) {
		if !done {
			out, done, err = t.fail(id, cause)
		}
	}
	cl.send(framer(ctx, cl.msgID, method, in, perNode), false, fail)
	// Nodes that perNode left out count as neither replies nor failures: the call needs a
	// quorum of the nodes that were asked.
	t.expected = len(cl.sentTo) + len(t.errs)
	if !done && t.expected == len(t.errs) {
		out, done, err = t.checkComplete()
	}
	for !done {
		select {
		case r := <-cl.replies:
			resp, rerr := receive[Resp](cl, r)
			if rerr != nil {
				out, done, err = t.fail(r.NodeID, rerr)
			} else {
				out, done, err = t.reply(r.NodeID, resp)
			}
		case <-ctx.Done():
			out, done, err = zero, true, t.abort(ctx.Err())
		}
	}
	cl.finish(len(t.replies), len(t.errs), err)
	return out, err
}

// framer returns the function that gives each node its frame: one shared encoding of in, or
// one per node when perNode is set (nil from perNode skips the node).
func framer[Req proto.Message](ctx context.Context, msgID uint64, method string, in Req, perNode func(Req, uint32) Req) func(*manager.Node) (*wire.Frame, error) {
	if perNode == nil {
		var shared *wire.Frame
		var sharedErr error
		encoded := false
		return func(*manager.Node) (*wire.Frame, error) {
			if !encoded {
				shared, sharedErr = encodeRequest(ctx, msgID, method, in)
				encoded = true
			}
			return shared, sharedErr
		}
	}
	return func(n *manager.Node) (*wire.Frame, error) {
		msg := perNode(in, n.ID())
		if isNil(msg) {
			return nil, nil
		}
		return encodeRequest(ctx, msgID, method, msg)
	}
}

// isNil reports whether a message pointer is nil (a typed nil inside the interface included).
func isNil[M proto.Message](m M) bool {
	return any(m) == nil || !m.ProtoReflect().IsValid()
}
