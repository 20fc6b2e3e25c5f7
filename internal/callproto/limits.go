package callproto

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/quorumcall/gorums/internal/wire"
)

// readCallLimits is a stream interceptor, first in the node connection's chain, that reads
// the call options the node's stream is opened with (the dial's defaults included, as gRPC
// hands them to interceptors): it keeps the send-size limit, and on a stream that announces
// batching it announces the receive-size limit too, so that the server's reply batches fit.
// gRPC refuses a message over a limit by ending the whole stream, failing every request on
// it; knowing the limits, the node actor refuses such a message alone and the stream stays up.
func (n *NodeActor) readCallLimits(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
	streamer grpc.Streamer, opts ...grpc.CallOption,
) (grpc.ClientStream, error) {
	var limit int64
	recv := wire.DefaultRecvLimit
	compressed := false
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.MaxSendMsgSizeCallOption:
			limit = int64(o.MaxSendMsgSize)
		case grpc.MaxRecvMsgSizeCallOption:
			recv = o.MaxRecvMsgSize
		case grpc.CompressorCallOption:
			// gRPC checks the compressed size, which only it knows: leave the check to it.
			compressed = o.CompressorType != "" && o.CompressorType != "identity"
		}
	}
	if compressed || limit < 0 {
		limit = 0
	}
	n.maxSend.Store(limit)
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(wire.BatchKey)) > 0 && recv > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, wire.BatchLimitKey, wire.FormatBatchLimit(recv))
	}
	return streamer(ctx, desc, cc, method, opts...)
}

// sendLimit is the largest message the node's current stream may carry (0: no limit known):
// the smaller of gRPC's send limit and, once the server confirmed batching on the stream, the
// receive limit it announced.
func (a *actorState) sendLimit() int {
	limit := int(a.node.maxSend.Load())
	if a.batching() {
		limit = wire.MinLimit(limit, int(a.node.peerLimit.Load()))
	}
	return limit
}

// DefaultReceiveWindow is the static receive window a node's connection gets unless told
// otherwise; see wire.DefaultReceiveWindow.
const DefaultReceiveWindow = wire.DefaultReceiveWindow

// ReceiveWindow turns an option's window size into the one to set; see wire.ReceiveWindow.
func ReceiveWindow(size uint32) int32 { return wire.ReceiveWindow(size) }
