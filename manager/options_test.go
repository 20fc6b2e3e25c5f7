package manager

import (
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
	t.Cleanup(func() { _ = m.Close() })
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
	if o.dialTimeout != 0 || m.DialTimeout() != 0 {
		t.Errorf("dialTimeout = %v", o.dialTimeout)
	}
	if len(o.dialOpts) != 0 || o.metadata != nil || o.perNodeMD != nil {
		t.Errorf("unexpected defaults %+v", o)
	}
	if m.Size() != 0 || len(m.Nodes()) != 0 {
		t.Error("new manager has nodes")
	}
	if m.Logger() != o.logger {
		t.Error("Logger() is not the option's logger")
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
	t.Cleanup(func() { _ = m.Close() })
	o := m.opts
	if len(o.dialOpts) != 2 || o.dialTimeout != 3*time.Second || m.DialTimeout() != 3*time.Second ||
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

func TestSendBufferSizeZeroIsOne(t *testing.T) {
	m := New(WithSendBufferSize(0), WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(func() { _ = m.Close() })
	nodes, _, err := m.AddNodes([]NodeSpec{{ID: 1, Addr: "127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := nodes[0].mailbox.Cap(); c != 1 {
		t.Fatalf("mailbox capacity %d, want 1", c)
	}
}

func TestMsgIDsStartAtOneAndIncrease(t *testing.T) {
	m := New()
	for i := uint64(1); i <= 5; i++ {
		if got := m.NextMsgID(); got != i {
			t.Fatalf("NextMsgID = %d, want %d", got, i)
		}
	}
}

func TestAddNodes(t *testing.T) {
	m := New(WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(func() { _ = m.Close() })
	nodes, created, err := m.AddNodes([]NodeSpec{{ID: 5, Addr: "127.0.0.1:1"}, {ID: 2, Addr: "127.0.0.1:2"}})
	if err != nil || len(nodes) != 2 || len(created) != 2 {
		t.Fatalf("AddNodes = %v, %v, %v", nodes, created, err)
	}
	if nodes[0].ID() != 5 || nodes[1].ID() != 2 || nodes[0].Address() != "127.0.0.1:1" {
		t.Fatalf("nodes in the wrong order or with wrong fields: %v", nodes)
	}
	if s := nodes[0].String(); s != "node 5 (127.0.0.1:1)" {
		t.Fatalf("String = %q", s)
	}
	again, created, err := m.AddNodes([]NodeSpec{{ID: 2, Addr: "127.0.0.1:2"}, {ID: 9, Addr: "127.0.0.1:9"}})
	if err != nil || len(created) != 1 || created[0].ID() != 9 || again[0] != nodes[1] {
		t.Fatalf("second AddNodes = %v, created %v, %v", again, created, err)
	}
	if ids := []uint32{m.Nodes()[0].ID(), m.Nodes()[1].ID(), m.Nodes()[2].ID()}; ids[0] != 2 || ids[1] != 5 || ids[2] != 9 {
		t.Fatalf("Nodes not sorted by ID: %v", ids)
	}
	if n, ok := m.Node(9); !ok || n != created[0] {
		t.Fatal("Node(9) not found")
	}
	if _, ok := m.Node(1); ok {
		t.Fatal("Node(1) found")
	}
	// An ID taken by another address is refused and nothing is added.
	if _, _, err := m.AddNodes([]NodeSpec{{ID: 11, Addr: "127.0.0.1:11"}, {ID: 2, Addr: "127.0.0.1:3"}}); err == nil {
		t.Fatal("AddNodes with a conflicting address succeeded")
	}
	if m.Size() != 3 {
		t.Fatalf("Size = %d after a refused AddNodes", m.Size())
	}
	_ = m.Close()
	if _, _, err := m.AddNodes([]NodeSpec{{ID: 12, Addr: "127.0.0.1:12"}}); err != ErrClosed {
		t.Fatalf("AddNodes after Close = %v, want ErrClosed", err)
	}
}
