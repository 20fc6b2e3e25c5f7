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
// receive limit it announced. Until the server's response header on a new stream has been
// read (one round trip after it opens), the limit the node's server announced on an earlier
// stream stands: the server at the address is most likely the same, and a request over its
// limit would end the new stream and fail every request on it. Before a node's first
// confirmation no server limit is known, as with a server that does not negotiate.
func (a *actorState) sendLimit() int {
	limit := int(a.node.maxSend.Load())
	if a.batching() || a.awaitingHeader() {
		limit = wire.MinLimit(limit, int(a.node.peerLimit.Load()))
	}
	return limit
}

// awaitingHeader reports whether the current stream announced batching and its server's
// response header has not been read yet.
func (a *actorState) awaitingHeader() bool {
	return a.stream != nil && a.cfg.Batching && a.node.headerGen.Load() != a.gen
}

// DefaultReceiveWindow is the static receive window a node's connection gets unless told
// otherwise; see wire.DefaultReceiveWindow.
const DefaultReceiveWindow = wire.DefaultReceiveWindow

// ReceiveWindow turns an option's window size into the one to set; see wire.ReceiveWindow.
func ReceiveWindow(size uint32) int32 { return wire.ReceiveWindow(size) }
