package testservice

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
	"github.com/quorumcall/gorums/internal/nettest"
)

// HandlerFunc serves one request.
type HandlerFunc func(ctx gorums.ServerCtx, req *Request) (*Response, error)

// Handlers serves TestService with its functions; a nil function echoes the request.
type Handlers struct {
	OrderedFunc HandlerFunc
	QuorumFunc  HandlerFunc
}

var _ TestService = Handlers{}

// Ordered calls OrderedFunc, or echoes.
func (h Handlers) Ordered(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	if h.OrderedFunc != nil {
		return h.OrderedFunc(ctx, req)
	}
	return Echo(req), nil
}

// Quorum calls QuorumFunc, or echoes.
func (h Handlers) Quorum(ctx gorums.ServerCtx, req *Request) (*Response, error) {
	if h.QuorumFunc != nil {
		return h.QuorumFunc(ctx, req)
	}
	return Echo(req), nil
}

// Both serves both methods with f.
func Both(f HandlerFunc) Handlers { return Handlers{OrderedFunc: f, QuorumFunc: f} }

// Echo is the reply that echoes req.
func Echo(req *Request) *Response {
	return &Response{Seq: req.GetSeq(), Value: req.GetValue()}
}

// Srv is a running gorums.Server on a loopback listener.
type Srv struct {
	Addr   string
	Server *gorums.Server

	stopOnce sync.Once
	served   chan struct{} // closed when Serve has returned
}

// Stop stops the server at once (gorums.Server.Stop) and waits for Serve to return. It may be
// called more than once.
func (s *Srv) Stop() {
	s.stopOnce.Do(func() {
		s.Server.Stop()
		<-s.served
	})
}

// GracefulStop stops the server gracefully and waits for Serve to return.
func (s *Srv) GracefulStop() {
	s.stopOnce.Do(func() {
		s.Server.GracefulStop()
		<-s.served
	})
}

// Start serves impl on a new 127.0.0.1:0 listener; the server stops at test cleanup.
func Start(t testing.TB, impl TestService, opts ...gorums.ServerOption) *Srv {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return Serve(t, lis, impl, opts...)
}

// StartOn serves impl on addr, retrying the listen (the port may be briefly busy after a stop)
// until a deadline; the server stops at test cleanup.
func StartOn(t testing.TB, addr string, impl TestService, opts ...gorums.ServerOption) *Srv {
	t.Helper()
	var lis net.Listener
	err := Poll(10*time.Second, func() bool {
		var lerr error
		lis, lerr = net.Listen("tcp", addr)
		return lerr == nil
	})
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	return Serve(t, lis, impl, opts...)
}

// Serve serves impl on lis; the server stops at test cleanup.
func Serve(t testing.TB, lis net.Listener, impl TestService, opts ...gorums.ServerOption) *Srv {
	s := &Srv{Addr: lis.Addr().String(), Server: gorums.NewServer(opts...), served: make(chan struct{})}
	RegisterTestServiceServer(s.Server, impl)
	go func() {
		defer close(s.served)
		_ = s.Server.Serve(lis)
	}()
	t.Cleanup(s.Stop)
	return s
}

// StartN starts n servers, each with the Handlers that mk returns for its index.
func StartN(t testing.TB, n int, mk func(i int) TestService, opts ...gorums.ServerOption) ([]*Srv, []string) {
	t.Helper()
	srvs := make([]*Srv, n)
	addrs := make([]string, n)
	for i := range n {
		srvs[i] = Start(t, mk(i), opts...)
		addrs[i] = srvs[i].Addr
	}
	return srvs, addrs
}

// DeadAddr returns a loopback address with nothing listening on it.
func DeadAddr(t testing.TB) string { return nettest.DeadAddr(t) }

// Insecure is the dial option every test manager uses.
func Insecure() gorums.ManagerOption {
	return gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// FastBackoff reconnects quickly: BaseDelay 10ms, MaxDelay 100ms.
func FastBackoff() gorums.ManagerOption {
	return gorums.WithBackoff(backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 100 * time.Millisecond})
}

// NewTestManager returns a manager with insecure credentials and opts, closed at test cleanup.
func NewTestManager(t testing.TB, opts ...gorums.ManagerOption) *Manager {
	t.Helper()
	mgr := NewManager(append([]gorums.ManagerOption{Insecure()}, opts...)...)
	t.Cleanup(func() { mgr.Close() })
	return mgr
}

// NewConfig returns a configuration of addrs on mgr with QSpec{q}, failing the test on error.
func NewConfig(t testing.TB, mgr *Manager, q int, addrs []string) *Configuration {
	t.Helper()
	cfg, err := mgr.NewConfiguration(&QSpec{Q: q}, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// QSpec accepts Q replies and returns the reply with the highest Seq (ties broken
// arbitrarily).
type QSpec struct {
	Q int
}

// QuorumQF is the quorum function of Quorum.
func (qs *QSpec) QuorumQF(_ *Request, replies map[uint32]*Response) (*Response, bool) {
	if len(replies) < qs.Q {
		return nil, false
	}
	var best *Response
	for _, r := range replies {
		if best == nil || r.GetSeq() > best.GetSeq() {
			best = r
		}
	}
	return best, true
}

// ErrPollTimeout is returned by Poll when cond never held.
var ErrPollTimeout = errors.New("condition not met before the deadline")

// Poll calls cond every few milliseconds until it returns true or timeout passes.
func Poll(timeout time.Duration, cond func() bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return nil
		}
		select {
		case <-ctx.Done():
			if cond() {
				return nil
			}
			return ErrPollTimeout
		case <-tick.C:
		}
	}
}

// Ctx returns a context that ends after d (10s if d is 0) and is canceled at test cleanup.
func Ctx(t testing.TB, d time.Duration) context.Context {
	if d == 0 {
		d = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
