package leaktests

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func callCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func TestCloseTwice(t *testing.T) {
	_, addrs := ts.StartN(t, 3, func(int) ts.TestService { return ts.Handlers{} })
	mgr := ts.NewManager(ts.Insecure())
	cfg := ts.NewConfig(t, mgr, 2, addrs)
	ctx, cancel := callCtx()
	defer cancel()
	if _, err := cfg.Quorum(ctx, &ts.Request{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	mgr.Close()
	mgr.Close()
	// Calls after Close fail at once.
	if _, err := cfg.Quorum(ctx, &ts.Request{Seq: 2}); err == nil || ctx.Err() != nil {
		t.Fatalf("Quorum after Close = %v (ctx err %v), want an error at once", err, ctx.Err())
	}
	if _, err := cfg.Nodes()[0].Ordered(ctx, &ts.Request{Seq: 3}); status.Code(err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("Ordered after Close = %v, want Unavailable at once", err)
	}
}

func TestCloseBeforeAnyCall(t *testing.T) {
	t.Run("no nodes", func(t *testing.T) {
		mgr := ts.NewManager(ts.Insecure())
		mgr.Close()
	})
	t.Run("nodes connecting", func(t *testing.T) {
		_, addrs := ts.StartN(t, 3, func(int) ts.TestService { return ts.Handlers{} })
		mgr := ts.NewManager(ts.Insecure())
		ts.NewConfig(t, mgr, 2, addrs)
		mgr.Close()
	})
	t.Run("node unreachable", func(t *testing.T) {
		mgr := ts.NewManager(ts.Insecure(), ts.FastBackoff())
		ts.NewConfig(t, mgr, 1, []string{ts.DeadAddr(t)})
		mgr.Close()
	})
}

// TestCloseDuringCalls closes the manager while quorum calls wait for handlers that block
// until their stream ends. The calls have no deadline: they return only because of Close.
func TestCloseDuringCalls(t *testing.T) {
	const calls = 10
	started := make(chan struct{}, 3*calls)
	block := ts.Handlers{QuorumFunc: func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		ctx.Release() // let every call's request reach a handler
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	_, addrs := ts.StartN(t, 3, func(int) ts.TestService { return block })
	mgr := ts.NewManager(ts.Insecure())
	cfg := ts.NewConfig(t, mgr, 2, addrs)

	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for k := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cfg.Quorum(context.Background(), &ts.Request{Seq: uint64(k)})
			errs <- err
		}()
	}
	for range 3 * calls {
		<-started // every request is in a handler: every call is in flight
	}
	mgr.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil {
			t.Error("a quorum call in flight succeeded after Close")
			continue
		}
		var e gorums.QuorumCallError
		if !errors.As(err, &e) || !errors.Is(err, gorums.ErrIncomplete) {
			t.Errorf("call in flight at Close: %v, want an incomplete QuorumCallError", err)
			continue
		}
		for _, ne := range e.Errors {
			if status.Code(ne.Cause) != codes.Unavailable {
				t.Errorf("node %d's error %v, want Unavailable", ne.NodeID, ne.Cause)
			}
		}
	}
}

// TestCloseDuringOrderedCall: the same for an ordered RPC.
func TestCloseDuringOrderedCall(t *testing.T) {
	started := make(chan struct{})
	srv := ts.Start(t, ts.Handlers{OrderedFunc: func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	}})
	mgr := ts.NewManager(ts.Insecure())
	cfg := ts.NewConfig(t, mgr, 1, []string{srv.Addr})
	done := make(chan error, 1)
	go func() {
		_, err := cfg.Nodes()[0].Ordered(context.Background(), &ts.Request{})
		done <- err
	}()
	<-started
	mgr.Close()
	if err := <-done; status.Code(err) != codes.Unavailable {
		t.Fatalf("Ordered in flight at Close = %v, want Unavailable", err)
	}
}

// TestEmptyConfiguration: a configuration of no nodes (c.Except(c)) fails a quorum call at
// once with an incomplete-call error.
func TestEmptyConfiguration(t *testing.T) {
	_, addrs := ts.StartN(t, 2, func(int) ts.TestService { return ts.Handlers{} })
	mgr := ts.NewTestManager(t)
	c := ts.NewConfig(t, mgr, 1, addrs)
	empty, err := mgr.NewConfiguration(&ts.QSpec{Q: 0}, c.Except(c))
	if err != nil {
		t.Fatalf("NewConfiguration(c.Except(c)): %v", err)
	}
	if empty.Size() != 0 || len(empty.Nodes()) != 0 || len(empty.NodeIDs()) != 0 {
		t.Fatalf("c.Except(c) has %d nodes", empty.Size())
	}
	// No deadline: the call must not wait for anything.
	_, err = empty.Quorum(context.Background(), &ts.Request{})
	if !errors.Is(err, gorums.ErrIncomplete) {
		t.Fatalf("Quorum on no nodes = %v, want ErrIncomplete", err)
	}
	var e gorums.QuorumCallError
	if !errors.As(err, &e) || e.ReplyCount != 0 || len(e.Errors) != 0 {
		t.Fatalf("Quorum on no nodes = %#v", err)
	}
}

// TestServerStopWithStreamsOpen stops servers (at once, and gracefully) while managers hold
// streams to them, then closes the managers.
func TestServerStopWithStreamsOpen(t *testing.T) {
	for _, graceful := range []bool{false, true} {
		name := "Stop"
		if graceful {
			name = "GracefulStop"
		}
		t.Run(name, func(t *testing.T) {
			srvs, addrs := ts.StartN(t, 3, func(int) ts.TestService { return ts.Handlers{} })
			mgrs := []*ts.Manager{ts.NewTestManager(t), ts.NewTestManager(t)}
			for _, mgr := range mgrs {
				cfg := ts.NewConfig(t, mgr, 3, addrs)
				ctx, cancel := callCtx()
				_, err := cfg.Quorum(ctx, &ts.Request{Seq: 1})
				cancel()
				if err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range srvs {
				if graceful {
					s.GracefulStop()
				} else {
					s.Stop()
				}
			}
			for _, mgr := range mgrs {
				node := mgr.Nodes()[0]
				if err := ts.Poll(10*time.Second, func() bool { return node.LastErr() != nil }); err != nil {
					t.Errorf("%v: LastErr stays nil after its server stopped", node.Address())
				}
			}
		})
	}
}

// TestGracefulStopFinishesRunningHandler: GracefulStop lets a running handler finish and its
// reply reach the client.
func TestGracefulStopFinishesRunningHandler(t *testing.T) {
	started := make(chan struct{})
	proceed := make(chan struct{})
	srv := ts.Start(t, ts.Handlers{OrderedFunc: func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		close(started)
		select {
		case <-proceed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return ts.Echo(req), nil
	}})
	mgr := ts.NewTestManager(t)
	node := ts.NewConfig(t, mgr, 1, []string{srv.Addr}).Nodes()[0]
	ctx, cancel := callCtx()
	defer cancel()
	done := make(chan error, 1)
	go func() {
		resp, err := node.Ordered(ctx, &ts.Request{Seq: 42})
		if err == nil && resp.GetSeq() != 42 {
			err = errors.New("wrong reply")
		}
		done <- err
	}()
	<-started
	stopped := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned while a handler was running")
	default:
	}
	close(proceed)
	if err := <-done; err != nil {
		t.Fatalf("the call whose handler ran during GracefulStop: %v", err)
	}
	<-stopped
}

// TestServerRestartCycles restarts a server 100 times on the same address under a connected
// manager; after each restart calls succeed again.
func TestServerRestartCycles(t *testing.T) {
	cycles := 100
	if testing.Short() {
		cycles = 10
	}
	first := ts.Start(t, ts.Handlers{})
	addr := first.Addr
	mgr := ts.NewTestManager(t, ts.FastBackoff())
	cfg := ts.NewConfig(t, mgr, 1, []string{addr})
	node := cfg.Nodes()[0]
	srv := first
	for i := range cycles {
		seq := uint64(i + 1)
		var lastErr error
		err := ts.Poll(20*time.Second, func() bool {
			ctx, cancel := callCtx()
			defer cancel()
			resp, err := node.Ordered(ctx, &ts.Request{Seq: seq})
			if err == nil && resp.GetSeq() != seq {
				err = errors.New("wrong reply")
			}
			lastErr = err
			return err == nil
		})
		if err != nil {
			t.Fatalf("cycle %d: Ordered never succeeded after the restart: %v", i, lastErr)
		}
		ctx, cancel := callCtx()
		_, err = cfg.Quorum(ctx, &ts.Request{Seq: seq})
		cancel()
		if err != nil {
			t.Fatalf("cycle %d: Quorum after a successful Ordered: %v", i, err)
		}
		srv.Stop()
		srv = ts.StartOn(t, addr, ts.Handlers{})
	}
	srv.Stop()
}
