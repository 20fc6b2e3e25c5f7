package gentest

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gorumstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// failsafe bounds the waits of these tests; reaching it is a failure, never what makes a
// test pass.
const failsafe = 15 * time.Second

// server counts the requests it handles (Count excepted) and keeps the last pushed value.
type server struct {
	mu     sync.Mutex
	count  uint64
	pushed string
}

var _ Compat = (*server)(nil)

func (s *server) handled() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	return s.count
}

func (s *server) Count(_ gorums.ServerCtx, _ *Req) (*Resp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &Resp{Value: s.pushed, Count: s.count}, nil
}

func (s *server) Read(_ gorums.ServerCtx, in *Req) (*Resp, error) {
	return &Resp{Value: in.GetValue(), Count: s.handled()}, nil
}

func (s *server) ReadAsync(ctx gorums.ServerCtx, in *Req) (*Resp, error) { return s.Read(ctx, in) }

func (s *server) ReadLevels(ctx gorums.ServerCtx, in *Req) (*Resp, error) { return s.Read(ctx, in) }

func (s *server) Follow(_ gorums.ServerCtx, in *Req, send func(*Resp) error) error {
	n := s.handled()
	for range 2 {
		if err := send(&Resp{Value: in.GetValue(), Count: n}); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) Push(_ gorums.ServerCtx, in *Req) {
	s.handled()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pushed = in.GetValue()
}

// cluster starts n servers on loopback and returns their addresses and a manager for them,
// all stopped at the test's cleanup.
func cluster(t *testing.T, n int) ([]string, *Manager) {
	t.Helper()
	c := gorumstest.NewCluster(t, n, func(int) gorumstest.Server {
		srv := gorums.NewServer()
		RegisterCompatServer(srv, &server{})
		return srv
	})
	return c.Addrs(), gorumstest.NewManager(t, c, NewManager)
}
