package gorumstest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gorumstest"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// generations counts the servers made for each index, so that a reply says which
// incarnation of server i sent it ("i/generation").
type generations struct {
	mu  sync.Mutex
	gen map[int]int
}

func (g *generations) newServer(i int) gorumstest.Server {
	g.mu.Lock()
	if g.gen == nil {
		g.gen = make(map[int]int)
	}
	g.gen[i]++
	name := fmt.Sprintf("%d/%d", i, g.gen[i])
	g.mu.Unlock()
	srv := gorums.NewServer()
	ts.RegisterTestServiceServer(srv, ts.Both(func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		return &ts.Response{Seq: req.GetSeq(), Value: req.GetValue(), Server: name}, nil
	}))
	return srv
}

// modes runs f once on loopback TCP and once in memory.
func modes(t *testing.T, f func(t *testing.T, opts ...gorumstest.Option)) {
	t.Run("loopback", func(t *testing.T) { f(t) })
	t.Run("bufconn", func(t *testing.T) { f(t, gorumstest.WithBufconn()) })
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// start runs n servers and returns them with a configuration of all of them whose quorum
// is q replies.
func start(t *testing.T, n, q int, opts ...gorumstest.Option) (*gorumstest.Cluster, *ts.Manager, *ts.Configuration) {
	t.Helper()
	var g generations
	c := gorumstest.NewCluster(t, n, g.newServer, opts...)
	mgr := gorumstest.NewManager(t, c, ts.NewManager)
	return c, mgr, config(t, mgr, c, q)
}

func config(t *testing.T, mgr *ts.Manager, c *gorumstest.Cluster, q int) *ts.Configuration {
	t.Helper()
	cfg, err := mgr.NewConfiguration(&ts.QSpec{Q: q}, c.NodeList())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// nodeOf returns the configuration's node for server i.
func nodeOf(t *testing.T, c *gorumstest.Cluster, cfg *ts.Configuration, i int) *ts.Node {
	t.Helper()
	for _, n := range cfg.Nodes() {
		if n.ID() == c.NodeID(i) {
			return n
		}
	}
	t.Fatalf("no node has server %d's ID %d", i, c.NodeID(i))
	return nil
}

// answerer calls Ordered on n until it succeeds and returns the name of the server that
// answered. A restarted server's node reconnects with the cluster's quick backoff and fails
// fast until then.
func answerer(t *testing.T, ctx context.Context, n *ts.Node) string {
	t.Helper()
	var r *ts.Response
	var err error
	if perr := ts.Poll(15*time.Second, func() bool {
		r, err = n.Ordered(ctx, &ts.Request{})
		return err == nil
	}); perr != nil {
		t.Fatalf("%v never answered: %v", n, err)
	}
	return r.GetServer()
}

func TestClusterServesEveryNode(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		c, _, cfg := start(t, 3, 3, opts...)
		ctx := testCtx(t)
		if r, err := cfg.Quorum(ctx, &ts.Request{Seq: 7, Value: "all"}); err != nil || r.GetValue() != "all" {
			t.Fatalf("Quorum on all 3 = %v, %v", r, err)
		}
		if c.Size() != 3 || len(c.Addrs()) != 3 {
			t.Fatalf("Size %d, Addrs %v", c.Size(), c.Addrs())
		}
		for i := range c.Size() {
			r, err := nodeOf(t, c, cfg, i).Ordered(ctx, &ts.Request{})
			if want := fmt.Sprintf("%d/1", i); err != nil || r.GetServer() != want {
				t.Errorf("server %d at %s: Ordered = %v, %v; want the reply of %s", i, c.Addr(i), r, err, want)
			}
			if c.Server(i) == nil {
				t.Errorf("Server(%d) is nil while it runs", i)
			}
		}
	})
}

func TestStopAndRestart(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		c, _, cfg := start(t, 3, 2, opts...)
		ctx := testCtx(t)
		down := nodeOf(t, c, cfg, 2)
		if _, err := down.Ordered(ctx, &ts.Request{}); err != nil {
			t.Fatalf("before the stop: %v", err)
		}

		c.Stop(2)
		c.Stop(2) // stopping a stopped server does nothing
		if c.Server(2) != nil {
			t.Error("Server(2) is not nil after Stop")
		}
		if _, err := cfg.Quorum(ctx, &ts.Request{Value: "two of three"}); err != nil {
			t.Fatalf("Quorum with one server stopped: %v", err)
		}
		if _, err := down.Ordered(ctx, &ts.Request{}); status.Code(err) != codes.Unavailable {
			t.Fatalf("Ordered on the stopped server: %v, want Unavailable", err)
		}

		c.Restart(2)
		if got := answerer(t, ctx, down); got != "2/2" {
			t.Fatalf("after Restart(2) %s answered, want the second server 2/2", got)
		}
		if got := c.Addrs()[2]; got != down.Address() {
			t.Errorf("server 2 moved from %s to %s", down.Address(), got)
		}
		// Restarting a running server replaces it.
		c.Restart(0)
		if got := answerer(t, ctx, nodeOf(t, c, cfg, 0)); got != "0/2" {
			t.Fatalf("after Restart(0) %s answered, want 0/2", got)
		}
	})
}

func TestHangAndResume(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		c, mgr, all := start(t, 3, 3, opts...)
		majority := config(t, mgr, c, 2)
		ctx := testCtx(t)
		if _, err := all.Quorum(ctx, &ts.Request{}); err != nil {
			t.Fatalf("before the hang: %v", err)
		}

		c.Hang(1)
		c.Hang(1) // hanging a hung server does nothing
		if _, err := majority.Quorum(ctx, &ts.Request{}); err != nil {
			t.Fatalf("a majority with server 1 hung: %v", err)
		}
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_, err := all.Quorum(short, &ts.Request{})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("all three with server 1 hung: %v, want the deadline (a hung server's connection stays up)", err)
		}

		// A call made while the server hangs is answered once it resumes.
		hung := nodeOf(t, c, all, 1)
		done := make(chan error, 1)
		go func() {
			_, err := hung.Ordered(ctx, &ts.Request{Value: "held"})
			done <- err
		}()
		c.Resume(1)
		c.Resume(1) // resuming a running server does nothing
		if err := <-done; err != nil {
			t.Fatalf("the call held while server 1 hung: %v", err)
		}
		if _, err := all.Quorum(ctx, &ts.Request{}); err != nil {
			t.Fatalf("all three after Resume: %v", err)
		}
	})
}

// TestStopHungServer stops a hung server and leaves another hung for the cleanup: neither
// waits for Resume.
func TestStopHungServer(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		c, _, cfg := start(t, 3, 3, opts...)
		ctx := testCtx(t)
		if _, err := cfg.Quorum(ctx, &ts.Request{}); err != nil {
			t.Fatal(err)
		}
		c.Hang(0)
		c.Hang(1)
		c.Stop(0)
		c.Restart(1) // a restarted server does not hang
		if got := answerer(t, ctx, nodeOf(t, c, cfg, 1)); got != "1/2" {
			t.Fatalf("after Restart of a hung server %s answered, want 1/2", got)
		}
		c.Hang(2)
	})
}

// TestBufconnManagerReachesLoopback: a manager with an in-memory cluster's options still
// dials other addresses on the network, so one configuration can span both.
func TestBufconnManagerReachesLoopback(t *testing.T) {
	var g generations
	mem := gorumstest.NewCluster(t, 2, g.newServer, gorumstest.WithBufconn())
	tcp := gorumstest.NewCluster(t, 2, g.newServer)
	mgr := gorumstest.NewManager(t, mem, ts.NewManager)
	cfg, err := mgr.NewConfiguration(&ts.QSpec{Q: 4}, gorums.WithNodeList(append(mem.Addrs(), tcp.Addrs()...)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Quorum(testCtx(t), &ts.Request{}); err != nil {
		t.Fatalf("Quorum over 2 in-memory and 2 loopback servers: %v", err)
	}
	for _, a := range mem.Addrs() {
		for _, b := range tcp.Addrs() {
			if a == b {
				t.Fatalf("the in-memory and loopback clusters share address %s", a)
			}
		}
	}
}

// TestNewManagerOptions: options given to NewManager come after the cluster's.
func TestNewManagerOptions(t *testing.T) {
	var g generations
	c := gorumstest.NewCluster(t, 1, g.newServer, gorumstest.WithBufconn())
	mgr := gorumstest.NewManager(t, c, ts.NewManager, gorums.WithDialTimeout(10*time.Second))
	if _, err := mgr.NewConfiguration(&ts.QSpec{Q: 1}, c.NodeList()); err != nil {
		t.Fatalf("NewConfiguration waiting for the in-memory server: %v", err)
	}
}

// TestStopServerHungBeforeConnecting: a server that hangs before a client connects is
// stopped all the same (gRPC's handshake with the client waits on the hung connection).
func TestStopServerHungBeforeConnecting(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		var g generations
		c := gorumstest.NewCluster(t, 3, g.newServer, opts...)
		c.Hang(2)
		mgr := gorumstest.NewManager(t, c, ts.NewManager)
		cfg := config(t, mgr, c, 2)
		if _, err := cfg.Quorum(testCtx(t), &ts.Request{}); err != nil {
			t.Fatalf("a majority with server 2 hung since before the client connected: %v", err)
		}
		c.Stop(2) // must return; so must the cleanup's
		c.Hang(1)
		// Server 1's connection is up: the cleanup stops it hung.
	})
}

// TestWaitConnectedAfterRestart: the README's recipe. Stop returns once the managers made
// with NewManager see the server gone, so that after Restart, Node.WaitConnected waits for
// the new server, and the next call reaches it.
func TestWaitConnectedAfterRestart(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		c, _, cfg := start(t, 3, 2, opts...)
		ctx := testCtx(t)
		node := nodeOf(t, c, cfg, 2)
		for round := range 20 {
			c.Restart(2)
			if err := node.WaitConnected(ctx); err != nil {
				t.Fatalf("round %d: WaitConnected: %v", round, err)
			}
			r, err := node.Ordered(ctx, &ts.Request{})
			if want := fmt.Sprintf("2/%d", round+2); err != nil || r.GetServer() != want {
				t.Fatalf("round %d: after Restart and WaitConnected: %v, %v; want the reply of %s", round, r, err, want)
			}
		}
	})
}

// TestConcurrentRestarts: Restart and Stop of one server from several goroutines take turns;
// every server they start is stopped (goleak checks), and the last one serves. In memory,
// Restart cannot fail to listen, so calling it off the test's goroutine cannot fail the test
// from there.
func TestConcurrentRestarts(t *testing.T) {
	c, _, cfg := start(t, 1, 1, gorumstest.WithBufconn())
	var wg sync.WaitGroup
	for k := range 8 {
		wg.Go(func() {
			if k%4 == 3 {
				c.Stop(0)
			} else {
				c.Restart(0)
			}
		})
	}
	wg.Wait()
	c.Restart(0)
	ctx := testCtx(t)
	if got := answerer(t, ctx, nodeOf(t, c, cfg, 0)); got == "" {
		t.Fatal("no server answered after the restarts")
	}
}
