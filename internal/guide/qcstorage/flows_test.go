package gorumsexample

import (
	"context"
	"hash/fnv"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gorumstest"
)

// ExampleStorageServer, ExampleStorageClient and ExampleConfigClient are compiled with the
// package but not run: they use fixed ports. The tests run the same flows on loopback.
var _ = []any{ExampleStorageServer, ExampleStorageClient, ExampleConfigClient}

// serveImpl serves impl (registered with RegisterQCStorageServer) on a 127.0.0.1 port until
// test cleanup and returns the address.
func serveImpl(t *testing.T, impl QCStorage) string {
	t.Helper()
	return gorumstest.NewCluster(t, 1, func(int) gorumstest.Server {
		gorumsSrv := gorums.NewServer()
		RegisterQCStorageServer(gorumsSrv, impl)
		return gorumsSrv
	}).Addr(0)
}

// nodeIDs is what WithNodeList makes of addrs (already "ip:port"): FNV-1a 32-bit, sorted.
func nodeIDs(addrs ...string) []uint32 {
	ids := make([]uint32, 0, len(addrs))
	for _, a := range addrs {
		h := fnv.New32a()
		_, _ = h.Write([]byte(a))
		ids = append(ids, h.Sum32())
	}
	slices.Sort(ids)
	return ids
}

// TestGuideQuorumClient is the guide's quorum-call client: QSpec{2} over three servers, a
// quorum Write, then a quorum Read that returns the newest state.
func TestGuideQuorumClient(t *testing.T) {
	addrs := startServers(t, 3)
	mgr := NewManager(
		gorums.WithGrpcDialOptions(
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		),
	)
	t.Cleanup(mgr.Close)
	allNodesConfig, err := mgr.NewConfiguration(
		&QSpec{2},
		gorums.WithNodeList(addrs),
	)
	if err != nil {
		t.Fatal("error creating read config:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Before any write every server holds the empty state.
	if reply, err := allNodesConfig.Read(ctx, &ReadRequest{}); err != nil || reply.GetTimestamp() != 0 {
		t.Fatalf("Read before Write = %v, %v", reply, err)
	}
	for ts := int64(1); ts <= 5; ts++ {
		w, err := allNodesConfig.Write(ctx, &State{Value: "v", Timestamp: ts})
		if err != nil || !w.GetNew() {
			t.Fatalf("Write(ts %d) = %v, %v; want New", ts, w, err)
		}
		r, err := allNodesConfig.Read(ctx, &ReadRequest{})
		if err != nil || r.GetTimestamp() != ts {
			t.Fatalf("Read after Write(ts %d) = %v, %v", ts, r, err)
		}
	}
	w, err := allNodesConfig.Write(ctx, &State{Value: "old", Timestamp: 2})
	if err != nil || w.GetNew() {
		t.Fatalf("Write(older) = %v, %v; want New=false", w, err)
	}
}

// TestGuideConfigClient builds the guide's configurations c1…c6 on five real servers (addrs
// are the first three, newAddrs the other two) and makes a quorum call on each.
func TestGuideConfigClient(t *testing.T) {
	all := startServers(t, 5)
	mgr := NewManager(
		gorums.WithGrpcDialOptions(
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		),
	)
	t.Cleanup(mgr.Close)

	addrs := all[:3]
	// Make configuration c1 from addrs, giving |c1| = |addrs| = 3
	c1, err := mgr.NewConfiguration(
		&QSpec{2},
		gorums.WithNodeList(addrs),
	)
	if err != nil {
		t.Fatal("c1:", err)
	}
	newAddrs := all[3:]
	// Make configuration c2 from newAddrs, giving |c2| = |newAddrs| = 2
	c2, err := mgr.NewConfiguration(
		&QSpec{1},
		gorums.WithNodeList(newAddrs),
	)
	if err != nil {
		t.Fatal("c2:", err)
	}
	// Make new configuration c3 from c1 and newAddrs, giving |c3| = |c1| + |newAddrs| = 3+2=5
	c3, err := mgr.NewConfiguration(
		&QSpec{3},
		c1.WithNewNodes(gorums.WithNodeList(newAddrs)),
	)
	if err != nil {
		t.Fatal("c3:", err)
	}
	// Make new configuration c4 from c1 and c2, giving |c4| = |c1| + |c2| = 3+2=5
	c4, err := mgr.NewConfiguration(
		&QSpec{3},
		c1.And(c2),
	)
	if err != nil {
		t.Fatal("c4:", err)
	}
	// Make new configuration c5 from c1 except the first node from c1, giving |c5| = |c1| - 1 = 3-1 = 2
	c5, err := mgr.NewConfiguration(
		&QSpec{1},
		c1.WithoutNodes(c1.NodeIDs()[0]),
	)
	if err != nil {
		t.Fatal("c5:", err)
	}
	// Make new configuration c6 from c3 except c1, giving |c6| = |c3| - |c1| = 5-3 = 2
	c6, err := mgr.NewConfiguration(
		&QSpec{1},
		c3.Except(c1),
	)
	if err != nil {
		t.Fatal("c6:", err)
	}

	c1IDs := nodeIDs(addrs...)
	cases := []struct {
		name string
		cfg  *Configuration
		size int
		ids  []uint32
	}{
		{"c1", c1, 3, c1IDs},
		{"c2", c2, 2, nodeIDs(newAddrs...)},
		{"c3", c3, 5, nodeIDs(all...)},
		{"c4", c4, 5, nodeIDs(all...)},
		{"c5", c5, 2, c1IDs[1:]},
		{"c6", c6, 2, nodeIDs(newAddrs...)},
	}
	// One context for every call: a quorum of one returns before the other nodes' writes are
	// sent, and ending the context then would withdraw those writes.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, c := range cases {
		if got := c.cfg.Size(); got != c.size {
			t.Errorf("|%s| = %d, want %d", c.name, got, c.size)
		}
		if got := c.cfg.NodeIDs(); !slices.Equal(got, c.ids) {
			t.Errorf("%s.NodeIDs() = %v, want %v", c.name, got, c.ids)
		}
		if got := len(c.cfg.Nodes()); got != c.size {
			t.Errorf("len(%s.Nodes()) = %d, want %d", c.name, got, c.size)
		}
		ts := int64(i + 1)
		if _, err := c.cfg.Write(ctx, &State{Value: c.name, Timestamp: ts}); err != nil {
			t.Errorf("%s.Write: %v", c.name, err)
			continue
		}
		// Every node handles the Write before the Read (FIFO, and Write does not release),
		// so whichever nodes answer the Read have the newest state.
		r, err := c.cfg.Read(ctx, &ReadRequest{})
		if err != nil {
			t.Errorf("%s.Read: %v", c.name, err)
			continue
		}
		if r.GetValue() != c.name || r.GetTimestamp() != ts {
			t.Errorf("%s.Read = %v, want {%s %d}", c.name, r, c.name, ts)
		}
	}
	if !c3.Equal(c4) {
		t.Error("c3 and c4 differ")
	}
	if !c6.Equal(c2) {
		t.Error("c6 and c2 differ")
	}
	if got := len(mgr.Nodes()); got != 5 {
		t.Errorf("the manager has %d nodes, want 5 (configurations share nodes)", got)
	}
}

// releaseProbe runs the guide's handlers and reports, in order, each Read's start (before the
// guide's Read calls ctx.Release()).
type releaseProbe struct {
	*storageSrv
	readStarted chan struct{}
}

func (p releaseProbe) Read(ctx gorums.ServerCtx, req *ReadRequest) (*State, error) {
	p.readStarted <- struct{}{}
	return p.storageSrv.Read(ctx, req)
}

// TestGuideReleaseHandler: the guide's Read calls ctx.Release() and then waits for the
// server's mutex. Holding that mutex from the test, a second Read on the same stream starts
// while the first is still in its handler, and both complete once the mutex is free.
func TestGuideReleaseHandler(t *testing.T) {
	srv := &storageSrv{state: &State{Value: "kept", Timestamp: 7}}
	probe := releaseProbe{storageSrv: srv, readStarted: make(chan struct{}, 2)}
	addr := serveImpl(t, probe)
	mgr := newManager(t)
	cfg, err := mgr.NewConfiguration(&QSpec{1}, gorums.WithNodeList([]string{addr}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	srv.mut.Lock()
	locked := true
	defer func() {
		if locked {
			srv.mut.Unlock()
		}
	}()
	results := make(chan *State, 2)
	errs := make(chan error, 2)
	read := func() {
		r, err := cfg.Read(ctx, &ReadRequest{})
		results <- r
		errs <- err
	}
	go read()
	<-probe.readStarted // the first Read runs, released, waiting for the mutex
	go read()
	<-probe.readStarted // the second Read started while the first had not returned
	select {
	case err := <-errs:
		t.Fatalf("a Read returned while the mutex was held: %v", err)
	default:
	}
	srv.mut.Unlock()
	locked = false
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if r := <-results; r.GetValue() != "kept" || r.GetTimestamp() != 7 {
			t.Errorf("Read = %v, want {kept 7}", r)
		}
	}
}
