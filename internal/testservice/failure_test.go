package testservice

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
)

// callCtx is the context of one call: 10 seconds, far beyond what any call here should take,
// so that a call which fails "at once" is told apart by ctx.Err() == nil, not by a clock.
func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func quorumCallError(t *testing.T, err error) gorums.QuorumCallError {
	t.Helper()
	var e gorums.QuorumCallError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a gorums.QuorumCallError", err, err)
	}
	return e
}

func nodeError(e gorums.QuorumCallError, id uint32) (gorums.NodeError, bool) {
	for _, ne := range e.Errors {
		if ne.NodeID == id {
			return ne, true
		}
	}
	return gorums.NodeError{}, false
}

// TestNodeDownMidRun stops one of three servers in the middle of a run of quorum calls with a
// quorum of two: every call succeeds, the node's LastErr becomes non-nil, and a call that
// needs all three fails at once with an incomplete-call error naming the stopped node.
func TestNodeDownMidRun(t *testing.T) {
	srvs, addrs := StartN(t, 3, func(int) TestService { return Handlers{} })
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 2, addrs)
	var down *Node
	for _, n := range cfg.Nodes() {
		if n.Address() == srvs[1].Addr {
			down = n
		}
	}
	for seq := uint64(1); seq <= 60; seq++ {
		if seq == 20 {
			srvs[1].Stop()
		}
		ctx, cancel := callCtx()
		resp, err := cfg.Quorum(ctx, &Request{Seq: seq})
		cancel()
		if err != nil {
			t.Fatalf("Quorum(seq %d) with one of three nodes down: %v", seq, err)
		}
		if resp.GetSeq() != seq {
			t.Fatalf("Quorum(seq %d) = %v", seq, resp)
		}
	}
	if err := Poll(10*time.Second, func() bool { return down.LastErr() != nil }); err != nil {
		t.Fatal("LastErr of the stopped node stays nil")
	}
	t.Logf("LastErr of the stopped node: %v", down.LastErr())

	all, err := mgr.NewConfiguration(&QSpec{Q: 3}, gorums.WithNodeIDs(cfg.NodeIDs()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := callCtx()
	defer cancel()
	_, err = all.Quorum(ctx, &Request{Seq: 100})
	if ctx.Err() != nil {
		t.Fatalf("the call waited for its context to end: %v", err)
	}
	if err == nil {
		t.Fatal("Quorum needing all three nodes succeeded with one down")
	}
	if !errors.Is(err, gorums.ErrIncomplete) {
		t.Errorf("errors.Is(%v, ErrIncomplete) = false", err)
	}
	e := quorumCallError(t, err)
	if e.ReplyCount != 2 {
		t.Errorf("ReplyCount = %d, want 2", e.ReplyCount)
	}
	ne, ok := nodeError(e, down.ID())
	if !ok {
		t.Fatalf("the error does not name the stopped node %d: %v", down.ID(), err)
	}
	if c := status.Code(ne.Cause); c != codes.Unavailable {
		t.Errorf("the stopped node's error %v has code %v, want Unavailable", ne.Cause, c)
	}
	if len(e.Errors) != 1 {
		t.Errorf("Errors = %v, want only the stopped node", e.Errors)
	}
}

// TestNothingListening: an ordered RPC to an address where nothing listens fails with
// Unavailable without waiting for its deadline.
func TestNothingListening(t *testing.T) {
	dead := DeadAddr(t)
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, []string{dead})
	ctx, cancel := callCtx()
	defer cancel()
	_, err := cfg.Nodes()[0].Ordered(ctx, &Request{Seq: 1})
	if ctx.Err() != nil {
		t.Fatalf("the call waited for its context to end: %v", err)
	}
	if c := status.Code(err); c != codes.Unavailable {
		t.Fatalf("Ordered to %s: error %v has code %v, want Unavailable", dead, err, c)
	}
	// A quorum call on that node alone fails at once too.
	_, err = cfg.Quorum(ctx, &Request{Seq: 2})
	if ctx.Err() != nil {
		t.Fatalf("the quorum call waited for its context to end: %v", err)
	}
	if !errors.Is(err, gorums.ErrIncomplete) {
		t.Fatalf("Quorum on a dead node: %v, want an incomplete call", err)
	}
	if ne, ok := nodeError(quorumCallError(t, err), cfg.NodeIDs()[0]); !ok || status.Code(ne.Cause) != codes.Unavailable {
		t.Fatalf("Quorum on a dead node: %v, want the node's Unavailable error", err)
	}
}

// TestInFlightFailOnStreamBreak: requests in flight when the server stops (one in a blocked
// handler, others queued behind it) fail at once with Unavailable.
func TestInFlightFailOnStreamBreak(t *testing.T) {
	started := make(chan struct{}, 16)
	h := func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		started <- struct{}{}
		<-ctx.Done() // blocks until the stream ends
		return nil, status.Error(codes.Canceled, "stream ended")
	}
	srv := Start(t, Both(h))
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, []string{srv.Addr})
	node := cfg.Nodes()[0]
	ctx, cancel := callCtx()
	defer cancel()

	const inFlight = 4
	errs := make(chan error, inFlight)
	for k := range inFlight {
		go func() {
			var err error
			if k%2 == 0 {
				_, err = node.Ordered(ctx, &Request{Seq: uint64(k)})
			} else {
				_, err = cfg.Quorum(ctx, &Request{Seq: uint64(k)})
			}
			errs <- err
		}()
	}
	<-started // one handler blocks; the other requests wait behind it
	srv.Stop()
	for range inFlight {
		err := <-errs
		if ctx.Err() != nil {
			t.Fatalf("a call waited for its context to end: %v", err)
		}
		if err == nil {
			t.Fatal("a call in flight succeeded after its server stopped")
		}
		var e gorums.QuorumCallError
		if errors.As(err, &e) {
			if len(e.Errors) != 1 || status.Code(e.Errors[0].Cause) != codes.Unavailable {
				t.Errorf("quorum call in flight: %v, want the node's Unavailable error", err)
			}
			continue
		}
		if c := status.Code(err); c != codes.Unavailable {
			t.Errorf("ordered RPC in flight: %v has code %v, want Unavailable", err, c)
		}
	}
}

// TestHandlerStatusError: a handler's status error reaches the ordered-RPC caller as that
// status, and shows up per node in a quorum call.
func TestHandlerStatusError(t *testing.T) {
	notFound := func(_ gorums.ServerCtx, req *Request) (*Response, error) {
		if req.GetValue() == "missing" {
			return nil, status.Errorf(codes.NotFound, "no key %q", req.GetValue())
		}
		return Echo(req), nil
	}
	srvs, addrs := StartN(t, 3, func(i int) TestService {
		if i == 0 {
			return Both(notFound)
		}
		return Handlers{}
	})
	mgr := NewTestManager(t)
	ctx, cancel := callCtx()
	defer cancel()

	one := NewConfig(t, mgr, 1, []string{srvs[0].Addr})
	_, err := one.Nodes()[0].Ordered(ctx, &Request{Value: "missing"})
	if s, _ := status.FromError(err); s.Code() != codes.NotFound || !strings.Contains(s.Message(), `no key "missing"`) {
		t.Fatalf("Ordered(missing) = %v, want the handler's NotFound status", err)
	}
	// The stream lives on after a failed request.
	if resp, err := one.Nodes()[0].Ordered(ctx, &Request{Seq: 5, Value: "present"}); err != nil || resp.GetSeq() != 5 {
		t.Fatalf("Ordered(present) after a failure = %v, %v", resp, err)
	}

	failingID := one.NodeIDs()[0]
	all := NewConfig(t, mgr, 3, addrs)
	_, err = all.Quorum(ctx, &Request{Value: "missing"})
	if !errors.Is(err, gorums.ErrIncomplete) {
		t.Fatalf("Quorum(missing) with quorum 3 = %v, want an incomplete call", err)
	}
	e := quorumCallError(t, err)
	if e.ReplyCount != 2 || len(e.Errors) != 1 {
		t.Errorf("ReplyCount = %d, Errors = %v; want 2 replies and 1 error", e.ReplyCount, e.Errors)
	}
	ne, ok := nodeError(e, failingID)
	if !ok || status.Code(ne.Cause) != codes.NotFound {
		t.Fatalf("node %d's error in %v is not NotFound", failingID, err)
	}

	two, err := mgr.NewConfiguration(&QSpec{Q: 2}, gorums.WithNodeIDs(all.NodeIDs()))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := two.Quorum(ctx, &Request{Seq: 9, Value: "missing"}); err != nil || resp.GetSeq() != 9 {
		t.Fatalf("Quorum(missing) with quorum 2 = %v, %v; the two other nodes form a quorum", resp, err)
	}
}

// TestDialTimeout: with WithDialTimeout, NewConfiguration fails naming the unreachable address,
// and succeeds when every address is reachable.
func TestDialTimeout(t *testing.T) {
	_, addrs := StartN(t, 2, func(int) TestService { return Handlers{} })
	dead := DeadAddr(t)

	mgr := NewTestManager(t, gorums.WithDialTimeout(500*time.Millisecond))
	_, err := mgr.NewConfiguration(&QSpec{Q: 2}, gorums.WithNodeList(append([]string{dead}, addrs...)))
	if err == nil {
		t.Fatalf("NewConfiguration with unreachable %s succeeded", dead)
	}
	if !strings.Contains(err.Error(), dead) {
		t.Fatalf("NewConfiguration error %q does not name the unreachable %s", err, dead)
	}
	for _, a := range addrs {
		if strings.Contains(err.Error(), a) {
			t.Fatalf("NewConfiguration error %q names the reachable %s", err, a)
		}
	}
	if msg := err.Error(); !strings.Contains(msg, "1 of 3 new nodes") || strings.Count(msg, "("+dead+")") != 1 || strings.Contains(msg, "\n") {
		t.Fatalf("NewConfiguration error %q: want one line that counts 1 of 3 new nodes and names the unreachable one once", err)
	}
	t.Logf("NewConfiguration: %v", err)

	// The unreachable node stays in the manager, still trying; a second try waits for it
	// again, and fails the same way, instead of taking it as connected.
	_, err = mgr.NewConfiguration(&QSpec{Q: 2}, gorums.WithNodeList(append([]string{dead}, addrs...)))
	if err == nil || !strings.Contains(err.Error(), "1 of 1 new node:") || !strings.Contains(err.Error(), "("+dead+")") {
		t.Fatalf("NewConfiguration again with unreachable %s: %v, want it to wait for that node again and name it", dead, err)
	}

	ok := NewTestManager(t, gorums.WithDialTimeout(10*time.Second))
	cfg, err := ok.NewConfiguration(&QSpec{Q: 2}, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatalf("NewConfiguration with every address reachable: %v", err)
	}
	ctx, cancel := callCtx()
	defer cancel()
	if _, err := cfg.Quorum(ctx, &Request{Seq: 1}); err != nil {
		t.Fatal(err)
	}
}

// TestCloseEndsDialWait: Close ends a NewConfiguration waiting for an unreachable node (with
// Unavailable, not after the dial timeout), and a node's WaitConnected after Close returns at
// once, whatever its context.
func TestCloseEndsDialWait(t *testing.T) {
	_, addrs := StartN(t, 1, func(int) TestService { return Handlers{} })
	mgr := NewTestManager(t, gorums.WithDialTimeout(time.Hour))
	cfg, err := mgr.NewConfiguration(&QSpec{Q: 1}, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal(err)
	}
	dead := DeadAddr(t) // here: it may fail the test, which only the test's goroutine may do
	done := make(chan error, 1)
	go func() {
		_, err := mgr.NewConfiguration(&QSpec{Q: 1}, gorums.WithNodeList([]string{dead}))
		done <- err
	}()
	// Close once the wait has begun: the dead node is in the manager by then.
	if err := Poll(10*time.Second, func() bool { return mgr.Size() == 2 }); err != nil {
		t.Fatal("the unreachable node was never added")
	}
	mgr.Close()
	select {
	case err := <-done:
		if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "manager closed") {
			t.Fatalf("NewConfiguration ended by Close: %v, want Unavailable: manager closed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not end NewConfiguration's wait")
	}
	waited := make(chan error, 1)
	go func() { waited <- cfg.Nodes()[0].WaitConnected(context.Background()) }()
	select {
	case err := <-waited:
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("WaitConnected after Close: %v, want Unavailable", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("WaitConnected after Close did not return")
	}
}

// TestDeadlineOneOfThree: when only one of three servers answers and the quorum is two, the
// call ends with the context's deadline, counting the one reply.
func TestDeadlineOneOfThree(t *testing.T) {
	unblock := make(chan struct{})
	t.Cleanup(func() { close(unblock) }) // runs before the servers stop (cleanups are LIFO)
	blocking := Handlers{QuorumFunc: func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		select {
		case <-unblock:
		case <-ctx.Done():
		}
		return Echo(req), nil
	}}
	_, addrs := StartN(t, 3, func(i int) TestService {
		if i == 0 {
			return Handlers{}
		}
		return blocking
	})
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 2, addrs)
	// Connect every node first, so the deadline below is spent waiting for replies only.
	for _, n := range cfg.Nodes() {
		ctx, cancel := callCtx()
		_, err := n.Ordered(ctx, &Request{})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := cfg.Quorum(ctx, &Request{Seq: 1})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Quorum = %v, want errors.Is(err, context.DeadlineExceeded)", err)
	}
	if errors.Is(err, gorums.ErrIncomplete) {
		t.Errorf("a call cut short by its deadline is not an incomplete call: %v", err)
	}
	e := quorumCallError(t, err)
	if e.ReplyCount != 1 {
		t.Errorf("ReplyCount = %d, want 1: %v", e.ReplyCount, err)
	}
}

// TestServerStartsLate: a node whose server is not up yet fails fast, and once the server
// listens the node connects (with backoff) and calls succeed.
func TestServerStartsLate(t *testing.T) {
	addr := DeadAddr(t)
	mgr := NewTestManager(t, FastBackoff())
	cfg := NewConfig(t, mgr, 1, []string{addr})
	node := cfg.Nodes()[0]
	ctx, cancel := callCtx()
	defer cancel()
	if _, err := node.Ordered(ctx, &Request{}); status.Code(err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("Ordered before the server started = %v, want Unavailable at once", err)
	}
	StartOn(t, addr, Handlers{})
	var last error
	if err := Poll(20*time.Second, func() bool {
		_, last = cfg.Quorum(ctx, &Request{Seq: 1})
		return last == nil
	}); err != nil {
		t.Fatalf("calls never succeeded after the server started: %v", last)
	}
}

// TestHungNodeDoesNotStallQuorum: one of three servers hangs in a handler that never returns
// or releases, so it stops reading its stream; with big requests and a small send buffer the
// backlog toward it fills up. Quorum calls of two keep succeeding without waiting for their
// deadlines.
func TestHungNodeDoesNotStallQuorum(t *testing.T) {
	unblock := make(chan struct{})
	t.Cleanup(func() { close(unblock) })
	hung := Both(func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		select {
		case <-unblock:
		case <-ctx.Done():
		}
		return &Response{Seq: req.GetSeq()}, nil
	})
	echoSeq := Both(func(_ gorums.ServerCtx, req *Request) (*Response, error) {
		return &Response{Seq: req.GetSeq()}, nil
	})
	_, addrs := StartN(t, 3, func(i int) TestService {
		if i == 1 {
			return hung
		}
		return echoSeq
	})
	mgr := NewTestManager(t, gorums.WithSendBufferSize(4))
	cfg := NewConfig(t, mgr, 2, addrs)
	big := strings.Repeat("x", 64<<10)
	// One context for the run, so that requests are not withdrawn from the hung node's
	// backlog when a call returns: the backlog must really fill up.
	run, cancelRun := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancelRun()
	for seq := uint64(1); seq <= 300; seq++ {
		ctx, cancel := context.WithTimeout(run, 10*time.Second)
		resp, err := cfg.Quorum(ctx, &Request{Seq: seq, Value: big})
		late := ctx.Err()
		cancel()
		if err != nil || late != nil {
			t.Fatalf("Quorum(seq %d) with one node hung = %v, %v (ctx: %v)", seq, resp, err, late)
		}
		if resp.GetSeq() != seq {
			t.Fatalf("Quorum(seq %d) = %v", seq, resp)
		}
	}
}
