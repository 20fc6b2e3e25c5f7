package configuration

import (
	"context"
	"errors"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/manager"
)

// RPCCall sends in to node n and waits for its reply. Calls to one node, of any type, reach it
// in the order they were made. A failed handler's status error is returned as is; a node that
// could not be reached gives a NodeError naming it, with the cause's gRPC code; when ctx ends
// first the error wraps ctx.Err() and has the matching gRPC code.
func RPCCall[Req, Resp proto.Message](ctx context.Context, n *manager.Node, method string, in Req) (Resp, error) {
	var zero Resp
	c, err := single(n)
	if err != nil {
		return zero, err
	}
	var cl call[Req, Resp, Resp]
	cl.begin(ctx, c, request[Req]{method: method, in: in, kind: callproto.Unary, mode: waitForRoom}, firstReply[Req, Resp], nil)
	cl.returns = returnsRPC
	out, err := cl.collect(nil)
	if err != nil {
		return zero, err
	}
	return out, nil
}

// rpcError is the error an ordered RPC returns for the collector's err: the context's (the
// call's, which interceptors may have given a deadline), the handler's status error as the
// handler made it, or the node's error.
func rpcError(ctx context.Context, nodeID uint32, repliedWithStatus bool, err error) error {
	if ctx.Err() != nil {
		return ctxError{nodeID: nodeID, err: ctx.Err()}
	}
	var qcErr QuorumCallError
	if errors.As(err, &qcErr) && len(qcErr.Errors) == 1 {
		if repliedWithStatus {
			return qcErr.Errors[0].Cause // the handler's error, as the handler made it
		}
		return qcErr.Errors[0]
	}
	return err
}

// firstReply is the quorum function of a single-node call: its one reply is the result.
func firstReply[Req, Resp any](_ Req, replies map[uint32]Resp) (Resp, bool) {
	for _, r := range replies {
		return r, true
	}
	var zero Resp
	return zero, false
}
