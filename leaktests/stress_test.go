package leaktests

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// TestCloseRacesCallers closes the manager while goroutines keep making calls without
// deadlines: every caller must see its calls fail and return; nothing may leak.
func TestCloseRacesCallers(t *testing.T) {
	for round := range 5 {
		_, addrs := ts.StartN(t, 3, func(int) ts.TestService { return ts.Handlers{} })
		mgr := ts.NewManager(ts.Insecure())
		cfg := ts.NewConfig(t, mgr, 2, addrs)
		const callers = 6
		var (
			wg        sync.WaitGroup
			succeeded atomic.Int64
			failing   sync.WaitGroup // done when a caller saw its first failure
		)
		failing.Add(callers)
		for c := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				failed := false
				for k := 0; ; k++ {
					var err error
					if k%2 == 0 {
						_, err = cfg.Quorum(context.Background(), &ts.Request{Seq: uint64(k)})
					} else {
						_, err = cfg.Nodes()[c%3].Ordered(context.Background(), &ts.Request{Seq: uint64(k)})
					}
					if err == nil {
						succeeded.Add(1)
						continue
					}
					if !failed {
						failed = true
						failing.Done()
					}
					if k > 1000 || errors.Is(err, gorums.ErrIncomplete) || k%2 == 1 {
						return
					}
				}
			}()
		}
		if err := ts.Poll(10*time.Second, func() bool { return succeeded.Load() >= 20 }); err != nil {
			t.Fatalf("round %d: callers made no progress", round)
		}
		mgr.Close()
		failing.Wait()
		wg.Wait()
	}
}

// TestServersStopUnderLoad stops the servers while callers with deadlines keep calling; every
// call returns (with a result or an error) before its deadline, and closing the manager then
// leaves nothing behind.
func TestServersStopUnderLoad(t *testing.T) {
	srvs, addrs := ts.StartN(t, 3, func(int) ts.TestService { return ts.Handlers{} })
	mgr := ts.NewTestManager(t, ts.FastBackoff())
	cfg := ts.NewConfig(t, mgr, 2, addrs)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var calls atomic.Int64
	var late atomic.Int64
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := callCtx()
				if k%2 == 0 {
					_, _ = cfg.Quorum(ctx, &ts.Request{Seq: uint64(k)})
				} else {
					_, _ = cfg.Nodes()[c%3].Ordered(ctx, &ts.Request{Seq: uint64(k)})
				}
				if ctx.Err() != nil {
					late.Add(1)
				}
				cancel()
				calls.Add(1)
			}
		}()
	}
	for i, s := range srvs {
		target := int64(50 * (i + 1))
		if err := ts.Poll(10*time.Second, func() bool { return calls.Load() >= target }); err != nil {
			t.Fatalf("callers stalled before server %d stopped", i)
		}
		s.Stop()
	}
	target := calls.Load() + 100
	if err := ts.Poll(10*time.Second, func() bool { return calls.Load() >= target }); err != nil {
		t.Fatal("callers stalled with every server down")
	}
	close(stop)
	wg.Wait()
	if n := late.Load(); n != 0 {
		t.Errorf("%d calls ran into their 10s deadline", n)
	}
}
