package calltypes

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/nettest"
)

// A node whose mailbox is full (here: stuck in its first connection attempt) must not keep a
// multicast from the other nodes, even when it has the lowest ID and so comes first.
func TestMulticastNotHeldBackByFullNode(t *testing.T) {
	silent := nettest.SilentListener(t)
	a, b := NewServer(2, Behavior{}), NewServer(3, Behavior{})
	addrA, addrB := startServer(t, a), startServer(t, b)
	mgr := NewManager(
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithSendBufferSize(1),
	)
	t.Cleanup(func() { mgr.Close() })
	cfg, err := mgr.NewConfiguration(QSpec{Q: 2}, gorums.WithNodeMap(map[string]uint32{silent: 1, addrA: 2, addrB: 3}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, n := range cfg.Nodes()[1:] {
		// An answered ordered RPC: the connected node's one-message mailbox is empty again
		// (the connection's own messages included), so only the stuck node's is full below.
		if _, err := n.OrderedRPC(ctx, &Request{Value: BarrierValue}); err != nil {
			t.Fatal(err)
		}
	}
	stuck := cfg.Nodes()[0]
	if stuck.ID() != 1 {
		t.Fatalf("first node is %d, want the silent node 1", stuck.ID())
	}
	// Fill the stuck node's one-message mailbox.
	stuck.Unicast(ctx, &Request{Seq: 1}, gorums.WithNoSendWaiting())

	callCtx, cancel := context.WithCancel(ctx)
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		cfg.Multicast(callCtx, &Request{Seq: 2}, gorums.WithNoSendWaiting())
	}()
	for _, srv := range []*Server{a, b} {
		got := srv.WaitFor(ctx, func(arr []Arrival) bool {
			for _, x := range arr {
				if x.Method == MMulticast && x.Seq == 2 {
					return true
				}
			}
			return false
		})
		if !got {
			t.Fatalf("server %d never got the multicast while node 1's mailbox was full", srv.ID())
		}
	}
	// The call itself still waits for room at the stuck node, until its context ends.
	cancel()
	<-returned
}
