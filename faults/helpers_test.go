package faults

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// handlers serves the test service with one function for both methods; nil echoes.
type handlers struct {
	f func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error)
}

func (h handlers) Ordered(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
	return h.serve(ctx, req)
}

func (h handlers) Quorum(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
	return h.serve(ctx, req)
}

func (h handlers) serve(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
	if h.f != nil {
		return h.f(ctx, req)
	}
	return &ts.Response{Seq: req.GetSeq(), Value: req.GetValue()}, nil
}

// server is a gorums.Server serving the test service on one address. It can be stopped and
// started again on the same address, as a crashed process restarted by its supervisor is.
type server struct {
	t    testing.TB
	addr string
	impl ts.TestService
	opts []gorums.ServerOption

	mu     sync.Mutex
	srv    *gorums.Server
	served chan struct{}
}

// startServer serves impl on a fresh loopback port; it stops at test cleanup.
func startServer(t testing.TB, impl ts.TestService, opts ...gorums.ServerOption) *server {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, addr: lis.Addr().String(), impl: impl, opts: opts}
	s.serve(lis)
	t.Cleanup(s.stop)
	return s
}

func (s *server) serve(lis net.Listener) {
	srv := gorums.NewServer(s.opts...)
	ts.RegisterTestServiceServer(srv, s.impl)
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	s.mu.Lock()
	s.srv, s.served = srv, served
	s.mu.Unlock()
}

// stop stops the server abruptly (every connection closed at once) and waits for Serve to
// return. Stopping a stopped server does nothing.
func (s *server) stop() {
	s.mu.Lock()
	srv, served := s.srv, s.served
	s.srv, s.served = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Stop()
	<-served
}

// restart serves again on the same host:port with a new listener, retrying the listen until
// the port is free (bounded).
func (s *server) restart() {
	s.t.Helper()
	var lis net.Listener
	err := poll(10*time.Second, func() bool {
		var lerr error
		lis, lerr = net.Listen("tcp", s.addr)
		return lerr == nil
	})
	if err != nil {
		s.t.Fatalf("listen again on %s: %v", s.addr, err)
	}
	s.serve(lis)
}

func startServers(t testing.TB, n int, impl func(i int) ts.TestService, opts ...gorums.ServerOption) ([]*server, []string) {
	t.Helper()
	srvs := make([]*server, n)
	addrs := make([]string, n)
	for i := range srvs {
		srvs[i] = startServer(t, impl(i), opts...)
		addrs[i] = srvs[i].addr
	}
	return srvs, addrs
}

func echo(int) ts.TestService { return handlers{} }

// fastBackoff makes nodes reconnect within tens of milliseconds.
var fastBackoff = backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 100 * time.Millisecond}

// newManager returns a manager with insecure credentials, fast reconnects and opts; it is
// closed at test cleanup.
func newManager(t testing.TB, opts ...gorums.ManagerOption) *ts.Manager {
	t.Helper()
	base := []gorums.ManagerOption{
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithBackoff(fastBackoff),
	}
	mgr := ts.NewManager(append(base, opts...)...)
	t.Cleanup(func() { _ = mgr.Close() })
	return mgr
}

// newConfig returns a configuration of addrs (or of the given node list option) needing q replies.
func newConfig(t testing.TB, mgr *ts.Manager, q int, nodes gorums.NodeListOption) *ts.Configuration {
	t.Helper()
	cfg, err := mgr.NewConfiguration(&ts.QSpec{Q: q}, nodes)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ctxFor returns a generous deadline for one call; it is a bound on failure, never asserted on.
func ctxFor(t testing.TB) (context.Context, context.CancelFunc) {
	t.Helper()
	return context.WithTimeout(context.Background(), 10*time.Second)
}

var errPollTimeout = errors.New("condition not met before the deadline")

// poll calls cond every few milliseconds until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-deadline.C:
			if cond() {
				return nil
			}
			return errPollTimeout
		case <-tick.C:
		}
	}
}

// nodeByAddr returns the node of cfg with the given address.
func nodeByAddr(t testing.TB, cfg *ts.Configuration, addr string) *ts.Node {
	t.Helper()
	for _, n := range cfg.Nodes() {
		if n.Address() == addr {
			return n
		}
	}
	t.Fatalf("no node with address %s", addr)
	return nil
}

func asQCErr(err error, e *gorums.QuorumCallError) bool { return errors.As(err, e) }
