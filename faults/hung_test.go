package faults

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/quorumcall/gorums/internal/probe"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// sendBuffer is the per-node mailbox size of the hung-node test.
const sendBuffer = 64

// TestHungNode: one of three servers has a handler that never returns (nor releases), so its
// stream stalls. Quorum calls needing 2 of 3 keep succeeding for thousands of calls; the
// backlog toward the hung node is bounded by WithSendBufferSize, beyond which its part of a
// call fails at once with ResourceExhausted; the number of its pending requests and the heap
// stay flat.
//
// Two ways of calling: each call with a context of its own, canceled when the call returns,
// and all calls sharing one long context (as with context.Background), under which requests
// still queued when their call ended are sent anyway.
func TestHungNode(t *testing.T) {
	t.Run("ContextPerCall", func(t *testing.T) { testHungNode(t, false) })
	t.Run("SharedContext", func(t *testing.T) { testHungNode(t, true) })
}

func testHungNode(t *testing.T, shared bool) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	hung := ts.Both(func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release // until test cleanup: no return, no Release
		return nil, status.Error(codes.Aborted, "released at cleanup")
	})
	// A static flow-control window (64 KiB, gRPC's default initial size) instead of one that
	// BDP estimation may grow to 16 MiB per stream: the hung server buffers at most that much
	// of the requests it does not read. See the memory argument below.
	window := gorums.WithGRPCServerOptions(grpc.InitialWindowSize(64<<10), grpc.InitialConnWindowSize(64<<10))
	srvs, addrs := ts.StartN(t, 3, func(i int) ts.TestService {
		if i == 0 {
			return hung
		}
		return ts.Handlers{}
	}, window)
	t.Cleanup(func() { close(release) }) // runs before the servers' Stop, which waits for handlers
	_ = srvs

	mgr := newManager(t, gorums.WithSendBufferSize(sendBuffer))
	cfg2 := ts.NewConfig(t, mgr, 2, addrs)
	cfg3 := ts.NewConfig(t, mgr, 3, addrs)
	hungNode := nodeByAddr(t, cfg2, addrs[0])

	// 1 KiB requests fill the hung stream's flow-control window after ~64 of them.
	value := strings.Repeat("x", 1024)
	seq := uint64(0)
	// The shared context's deadline only bounds a failing test; it is never asserted on.
	sharedCtx, sharedCancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer sharedCancel()
	run := func(n int) {
		t.Helper()
		for range n {
			seq++
			ctx, cancel := ctxFor(t)
			if shared {
				ctx = sharedCtx
			}
			resp, err := cfg2.Quorum(ctx, &ts.Request{Seq: seq, Value: value})
			cancel()
			if err != nil {
				t.Fatalf("call %d (quorum 2 of 3, one hung): %v", seq, err)
			}
			if resp.GetSeq() != seq {
				t.Fatalf("call %d: reply for seq %d", seq, resp.GetSeq())
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}

	run(1000)
	select {
	case <-entered:
	default:
		t.Fatal("the hung handler never ran")
	}
	heap1k, pending1k := heap(), probe.PendingCount(hungNode.RawNode)

	// The hung node's backlog is full: a call that needs all three fails at once, with
	// ResourceExhausted for the hung node, instead of waiting for its deadline.
	exhausted := 0
	for k := range 5 {
		seq++
		ctx, cancel := ctxFor(t)
		_, err := cfg3.Quorum(ctx, &ts.Request{Seq: seq, Value: value})
		ctxErr := ctx.Err()
		cancel()
		if c := checkOneFailed(t, fmt.Sprintf("all-3 call %d", k), err, ctxErr, hungNode.ID()); c == codes.ResourceExhausted {
			exhausted++
		}
	}
	if exhausted == 0 {
		t.Errorf("no all-3 call saw ResourceExhausted for the hung node")
	}

	run(2000)
	heap3k, pending3k := heap(), probe.PendingCount(hungNode.RawNode)
	t.Logf("HeapInuse after 1000 calls: %d KiB, after 3000: %d KiB (growth %d KiB); pending to hung node: %d, %d",
		heap1k>>10, heap3k>>10, (int64(heap3k)-int64(heap1k))>>10, pending1k, pending3k)

	// Why 8 MiB holds: toward the hung node the client keeps at most sendBuffer requests in
	// its mailbox (TryEnqueue fails the node's part of any further call), plus pending entries
	// for requests the hung stream accepted before gRPC flow control stopped the node's
	// sender: no more than fit in the 64 KiB window, ~64 of 1 KiB (those of calls still
	// running; an ended call forgets its entry, so none remain once the calls returned). The hung server holds at most a window's
	// worth of unread bytes. Everything else a call allocates is freed when it returns. So
	// the whole backlog is well under 1 MiB however many calls are made, and the heap after
	// GC should not grow at all between call 1000 and 3000; 8 MiB is slack for GC and
	// runtime noise. A leak of only the 1 KiB request of each call would already add ~2 MiB
	// over 2000 calls, and with everything a call holds (frame, collector, reply map) well
	// over 8 MiB.
	const bound = 8 << 20
	if heap3k > heap1k+bound {
		t.Errorf("HeapInuse grew from %d to %d bytes between call 1000 and 3000 (bound %d)", heap1k, heap3k, bound)
	}
	// Every call has returned, and a call that ends forgets its requests to the nodes that
	// did not answer, even one the node actor registers after the call ended (the call
	// closes Done before it forgets; the actor checks Done after registering). So nothing
	// may be pending toward the hung node, however many calls it swallowed.
	if pending1k != 0 || pending3k != 0 {
		t.Errorf("pending requests to the hung node after every call returned: %d after 1000 calls, %d after 3000; want 0", pending1k, pending3k)
	}
}

// checkOneFailed asserts err is an incomplete call with replies from all but node id, and
// returns the code of id's error.
func checkOneFailed(t *testing.T, what string, err, ctxErr error, id uint32) codes.Code {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded although one node is hung", what)
	}
	if ctxErr != nil {
		t.Fatalf("%s: waited for its deadline: %v", what, err)
	}
	var e gorums.QuorumCallError
	if !asQCErr(err, &e) {
		t.Fatalf("%s: not a QuorumCallError: %v", what, err)
	}
	if len(e.Errors) != 1 || e.Errors[0].NodeID != id {
		t.Fatalf("%s: want one error, for node %d: %v", what, id, err)
	}
	c := status.Code(e.Errors[0].Cause)
	if c != codes.ResourceExhausted {
		t.Errorf("%s: node %d failed with %v, want ResourceExhausted: %v", what, id, c, err)
	}
	return c
}

// TestSlowNode: one server's handler sleeps (it is the system under test, the sleep is its
// work); after enough calls the slow node's moving-average Latency is larger than each fast
// node's. Only the ordering is asserted.
func TestSlowNode(t *testing.T) {
	slow := ts.Both(func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		time.Sleep(20 * time.Millisecond)
		return &ts.Response{Seq: req.GetSeq()}, nil
	})
	_, addrs := ts.StartN(t, 3, func(i int) ts.TestService {
		if i == 0 {
			return slow
		}
		return ts.Handlers{}
	})
	mgr := newManager(t)
	cfg3 := ts.NewConfig(t, mgr, 3, addrs)
	cfg2 := ts.NewConfig(t, mgr, 2, addrs)
	slowNode := nodeByAddr(t, cfg3, addrs[0])

	// Calls needing all three give every node a latency sample per call.
	for k := range 30 {
		ctx, cancel := ctxFor(t)
		_, err := cfg3.Quorum(ctx, &ts.Request{Seq: uint64(k)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Quorum-2 calls do not wait for the slow node.
	for k := range 30 {
		ctx, cancel := ctxFor(t)
		_, err := cfg2.Quorum(ctx, &ts.Request{Seq: uint64(100 + k)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range cfg3.Nodes() {
		t.Logf("node %d (%s): Latency %v", n.ID(), n.Address(), n.Latency())
		if n.Latency() <= 0 {
			t.Errorf("node %d: no latency measured", n.ID())
		}
		if n != slowNode && n.Latency() >= slowNode.Latency() {
			t.Errorf("fast node %d has Latency %v >= slow node's %v", n.ID(), n.Latency(), slowNode.Latency())
		}
	}
}
