package manager

import (
	"math"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

func TestDefaultOptions(t *testing.T) {
	m := New()
	t.Cleanup(func() { m.Close() })
	o := m.opts
	if o.logger == nil || o.logger.Core().Enabled(zap.DebugLevel) || o.logger.Core().Enabled(zap.ErrorLevel) {
		t.Error("default logger is not a no-op logger")
	}
	if o.backoff != DefaultBackoff {
		t.Errorf("backoff = %+v, want DefaultBackoff", o.backoff)
	}
	if o.sendBuffer != DefaultSendBufferSize {
		t.Errorf("sendBuffer = %d", o.sendBuffer)
	}
	if o.dialTimeout != 0 || m.runtime.DialTimeout != 0 || o.connectWait != DefaultConnectWait || o.noConnect {
		t.Errorf("dialTimeout = %v", o.dialTimeout)
	}
	if o.recvWindow != DefaultReceiveWindow || m.opts.nodeConfig(1, "a:1", m.runtime).ReceiveWindow != DefaultReceiveWindow {
		t.Errorf("recvWindow = %d, want DefaultReceiveWindow", o.recvWindow)
	}
	if len(o.dialOpts) != 0 || o.metadata != nil || o.perNodeMD != nil {
		t.Errorf("unexpected defaults %+v", o)
	}
	if m.Size() != 0 || len(m.Nodes()) != 0 {
		t.Error("new manager has nodes")
	}
	if m.runtime.Logger != o.logger {
		t.Error("the calls' logger is not the option's logger")
	}
}

func TestOptionsApply(t *testing.T) {
	logger := zap.NewExample()
	bo := backoff.Config{BaseDelay: time.Millisecond, Multiplier: 1, MaxDelay: time.Millisecond}
	md := metadata.Pairs("k", "v")
	perNode := func(id uint32) metadata.MD { return nil }
	m := New(
		WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		WithGrpcDialOptions(grpc.WithUserAgent("x")),
		WithDialTimeout(3*time.Second),
		WithLogger(logger),
		WithBackoff(bo),
		WithSendBufferSize(7),
		WithMetadata(md),
		WithPerNodeMetadata(perNode),
	)
	t.Cleanup(func() { m.Close() })
	o := m.opts
	if len(o.dialOpts) != 2 || o.dialTimeout != 3*time.Second || m.runtime.DialTimeout != 3*time.Second ||
		o.logger != logger || o.backoff != bo || o.sendBuffer != 7 || o.perNodeMD == nil {
		t.Fatalf("options not applied: %+v", o)
	}
	md.Set("k", "changed")
	if got := o.metadata.Get("k"); len(got) != 1 || got[0] != "v" {
		t.Fatalf("WithMetadata did not copy its argument: %v", got)
	}
	if m2 := New(WithLogger(nil)); m2.opts.logger == nil {
		t.Fatal("WithLogger(nil) left a nil logger")
	}
}

func TestMsgIDsStartAtOneAndIncrease(t *testing.T) {
	m := New()
	for i := uint64(1); i <= 5; i++ {
		if got := m.runtime.IDs.Next(); got != i {
			t.Fatalf("message ID %d, want %d", got, i)
		}
	}
}

func TestDefaultBackoffIsSane(t *testing.T) {
	if DefaultBackoff.BaseDelay <= 0 || DefaultBackoff.Multiplier < 1 || DefaultBackoff.MaxDelay < DefaultBackoff.BaseDelay ||
		DefaultBackoff.Jitter < 0 || DefaultBackoff.Jitter >= 1 {
		t.Fatalf("DefaultBackoff = %+v", DefaultBackoff)
	}
}

func TestNodeConfigCarriesOptions(t *testing.T) {
	m := New(WithSendBufferSize(9), WithConnectWait(time.Second), WithNoConnect())
	cfg := m.opts.nodeConfig(4, "127.0.0.1:1", m.runtime)
	if cfg.ID != 4 || cfg.Addr != "127.0.0.1:1" || cfg.SendBuffer != 9 || cfg.ConnectWait != time.Second || !cfg.NoConnect || cfg.Runtime != m.runtime {
		t.Fatalf("node config %+v", cfg)
	}
	if d := New(WithConnectWait(0)).opts.connectWait; d != DefaultConnectWait {
		t.Fatalf("WithConnectWait(0) = %v, want the default", d)
	}
}

// TestWithReceiveWindow checks that a node gets the window the option was given, normalised
// (the normalisation itself is wire.ReceiveWindow's, tested there).
func TestWithReceiveWindow(t *testing.T) {
	for _, tc := range []struct {
		size uint32
		want int32
	}{
		{0, 0},        // gRPC's dynamic window
		{1, 64 << 10}, // gRPC's least
		{1 << 20, 1 << 20},
	} {
		m := New(WithReceiveWindow(tc.size), WithNoConnect())
		if got := m.opts.nodeConfig(1, "a:1", m.runtime).ReceiveWindow; got != tc.want {
			t.Errorf("WithReceiveWindow(%d): node window %d, want %d", tc.size, got, tc.want)
		}
		m.Close()
	}
}

// Out-of-range option values are brought into range, so that a node never gets a mailbox
// that wraps around or cannot be allocated, or a backoff that redials in a busy loop.
func TestOptionsOutOfRange(t *testing.T) {
	for _, tc := range []struct {
		size uint
		want int
	}{{0, 1}, {1, 1}, {7, 7}, {MaxSendBufferSize, MaxSendBufferSize}, {MaxSendBufferSize + 1, MaxSendBufferSize}, {math.MaxUint32, MaxSendBufferSize}, {math.MaxUint, MaxSendBufferSize}} {
		var o options
		WithSendBufferSize(tc.size).apply(&o)
		if o.sendBuffer != tc.want {
			t.Errorf("WithSendBufferSize(%d): %d, want %d", tc.size, o.sendBuffer, tc.want)
		}
	}
	def := backoff.DefaultConfig
	for _, tc := range []struct {
		name string
		in   backoff.Config
		want backoff.Config
	}{
		{"zero", backoff.Config{}, backoff.Config{BaseDelay: def.BaseDelay, Multiplier: def.Multiplier, Jitter: 0, MaxDelay: def.MaxDelay}},
		{"negative", backoff.Config{BaseDelay: -1, Multiplier: -2, Jitter: -0.5, MaxDelay: -time.Second}, def},
		{"NaN multiplier", backoff.Config{BaseDelay: time.Second, Multiplier: math.NaN(), Jitter: 0.1, MaxDelay: time.Minute},
			backoff.Config{BaseDelay: time.Second, Multiplier: def.Multiplier, Jitter: 0.1, MaxDelay: time.Minute}},
		{"base only", backoff.Config{BaseDelay: time.Second},
			backoff.Config{BaseDelay: time.Second, Multiplier: def.Multiplier, Jitter: 0, MaxDelay: def.MaxDelay}},
		{"max below base", backoff.Config{BaseDelay: time.Minute, Multiplier: 2, Jitter: 0, MaxDelay: time.Second},
			backoff.Config{BaseDelay: time.Minute, Multiplier: 2, Jitter: 0, MaxDelay: time.Minute}},
		{"sane", backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1, Jitter: 1, MaxDelay: time.Second},
			backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1, Jitter: 1, MaxDelay: time.Second}},
	} {
		var o options
		WithBackoff(tc.in).apply(&o)
		if o.backoff != tc.want {
			t.Errorf("WithBackoff(%s): %+v, want %+v", tc.name, o.backoff, tc.want)
		}
	}
	var o options
	WithGrpcDialOptions(nil, grpc.WithUserAgent("x"), nil).apply(&o)
	if len(o.dialOpts) != 1 {
		t.Errorf("WithGrpcDialOptions with nils kept %d options, want 1", len(o.dialOpts))
	}
}
