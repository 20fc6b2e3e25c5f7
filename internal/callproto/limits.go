package callproto

import (
	"context"

	"google.golang.org/grpc"

	"github.com/quorumcall/gorums/internal/wire"
)

// readCallLimits is a stream interceptor, first in the node connection's chain, that reads
// the call options the node's stream is opened with (the dial's defaults included, as gRPC
// hands them to interceptors) and keeps the send-size limit. gRPC refuses a message over the
// limit by ending the whole stream, failing every request on it; knowing the limit, the node
// actor refuses such a message alone and the stream stays up.
func (n *NodeActor) readCallLimits(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
	streamer grpc.Streamer, opts ...grpc.CallOption,
) (grpc.ClientStream, error) {
	var limit int64
	compressed := false
	for _, o := range opts {
		switch o := o.(type) {
		case grpc.MaxSendMsgSizeCallOption:
			limit = int64(o.MaxSendMsgSize)
		case grpc.CompressorCallOption:
			// gRPC checks the compressed size, which only it knows: leave the check to it.
			compressed = o.CompressorType != "" && o.CompressorType != "identity"
		}
	}
	if compressed || limit < 0 {
		limit = 0
	}
	n.maxSend.Store(limit)
	return streamer(ctx, desc, cc, method, opts...)
}

// DefaultReceiveWindow is the static receive window a node's connection gets unless told
// otherwise; see wire.DefaultReceiveWindow.
const DefaultReceiveWindow = wire.DefaultReceiveWindow

// ReceiveWindow turns an option's window size into the one to set; see wire.ReceiveWindow.
func ReceiveWindow(size uint32) int32 { return wire.ReceiveWindow(size) }
