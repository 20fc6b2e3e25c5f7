package server

import "testing"

func TestWithReceiveWindow(t *testing.T) {
	if o := defaultOptions(); o.recvWindow != DefaultReceiveWindow {
		t.Errorf("default window %d, want DefaultReceiveWindow (%d)", o.recvWindow, DefaultReceiveWindow)
	}
	for _, tc := range []struct {
		size uint32
		want int32
	}{
		{0, 0}, // gRPC's dynamic window: no window option is given to gRPC
		{1, 64 << 10},
		{1 << 20, 1 << 20},
	} {
		o := defaultOptions()
		WithReceiveWindow(tc.size).apply(&o)
		if o.recvWindow != tc.want {
			t.Errorf("WithReceiveWindow(%d): window %d, want %d", tc.size, o.recvWindow, tc.want)
		}
	}
}

// A nil option is skipped, as on a manager.
func TestNilOptionSkipped(t *testing.T) {
	s := New(nil, WithMaxStreams(3), nil)
	if s.opts.maxStreams != 3 {
		t.Fatalf("maxStreams = %d, want 3", s.opts.maxStreams)
	}
	s.Stop()
}
