package wire

import "math"

// DefaultReceiveWindow is the static HTTP/2 flow-control window, in bytes, that Gorums gives
// each NodeStream connection and stream on the side that receives: gRPC's own ceiling for the
// window it grows by probing, set at once. A static window spares the probing: while gRPC's
// window is dynamic, the receiving side sends a ping per round trip in which data came.
const DefaultReceiveWindow = 16 << 20

// MinReceiveWindow is the least window gRPC accepts.
const MinReceiveWindow = 64 << 10

// ReceiveWindow turns a window size an option was given into the one to set: 0 stays 0
// (gRPC's dynamic window), sizes from 1 to MinReceiveWindow become MinReceiveWindow, and sizes
// above what HTTP/2 allows (2 GiB - 1) become that.
func ReceiveWindow(size uint32) int32 {
	switch {
	case size == 0:
		return 0
	case size < MinReceiveWindow:
		return MinReceiveWindow
	case size > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(size)
}
