package configuration

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/callproto"
)

// QuorumCall sends in to every node of c and returns what qf makes of the replies as soon as it
// reports a quorum. The call fails with a QuorumCallError when every node has answered or
// failed without a quorum, or when ctx ends first. Replies that come after the call returned
// are dropped.
func QuorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	var cl call[Req, Resp, Out] // on this goroutine's stack (engine.go)
	cl.begin(ctx, c, quorumRequest(method, in, nil), qf, nil)
	return cl.collect(nil)
}

// QuorumCallPerNode is QuorumCall with a request computed per node: perNode(in, nodeID) gives
// the message for that node, or nil to leave the node out of the call. The quorum function sees
// replies from the nodes that were asked; if every node is left out the call fails at once.
func QuorumCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	var cl call[Req, Resp, Out]
	cl.begin(ctx, c, quorumRequest(method, in, perNode), qf, nil)
	return cl.collect(nil)
}

func startQuorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) *call[Req, Resp, Out] {
	return startCall[Req, Resp, Out](ctx, c, quorumRequest(method, in, perNode), qf, nil)
}

// quorumRequest is what a quorum call sends: one reply per node, and a full mailbox fails that
// node at once.
func quorumRequest[Req proto.Message](method string, in Req, perNode func(Req, uint32) Req) request[Req] {
	return request[Req]{method: method, in: in, perNode: perNode, kind: callproto.Unary, mode: failFull}
}
