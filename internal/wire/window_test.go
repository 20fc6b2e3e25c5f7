package wire

import (
	"math"
	"testing"
)

func TestReceiveWindow(t *testing.T) {
	for _, tc := range []struct {
		size uint32
		want int32
	}{
		{0, 0}, // gRPC's dynamic window
		{1, MinReceiveWindow},
		{MinReceiveWindow - 1, MinReceiveWindow},
		{MinReceiveWindow, MinReceiveWindow},
		{1 << 20, 1 << 20},
		{DefaultReceiveWindow, DefaultReceiveWindow},
		{math.MaxInt32, math.MaxInt32},
		{math.MaxInt32 + 1, math.MaxInt32},
		{math.MaxUint32, math.MaxInt32},
	} {
		if got := ReceiveWindow(tc.size); got != tc.want {
			t.Errorf("ReceiveWindow(%d) = %d, want %d", tc.size, got, tc.want)
		}
	}
}
