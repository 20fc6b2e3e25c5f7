package configuration

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/manager"
)

// RPCCall sends in to node n and waits for its reply. Calls to one node, of any type, reach it
// in the order they were made. A failed handler's status error is returned as is; when ctx
// ends first the error wraps ctx.Err() and has the matching gRPC code.
func RPCCall[Req, Resp proto.Message](ctx context.Context, n *manager.Node, method string, in Req) (Resp, error) {
	var zero Resp
	msgID := manager.NextMsgID(n)
	frame, err := encodeRequest(ctx, msgID, method, in)
	if err != nil {
		return zero, err
	}
	reply := make(chan manager.Response, 1)
	if err := manager.Enqueue(n, manager.Request{Ctx: ctx, MsgID: msgID, Frame: frame, Reply: reply}); err != nil {
		if ctx.Err() != nil {
			return zero, ctxError{nodeID: n.ID(), err: ctx.Err()}
		}
		return zero, err
	}
	select {
	case r := <-reply:
		return decodeResponse[Resp](r)
	case <-ctx.Done():
		manager.Forget(n, msgID)
		return zero, ctxError{nodeID: n.ID(), err: ctx.Err()}
	}
}
