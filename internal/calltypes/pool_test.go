package calltypes

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/probe"
)

// TestPooledCallsStayApart: a call's state goes back to a pool for later calls once neither
// its caller nor any node holds it. Callers make calls of every kind at once: quorum calls,
// async and correctable calls, correctable streams whose servers send more replies than the
// call waits for (so replies keep arriving while and after the call ends), ordered RPCs and
// multicasts; a quarter of them with deadlines so short that they end while their requests are
// queued, sent or answered. Every result must summarise the replies to its own request only
// (a reply filed under another call shows as BAD, or with another value), and states must be
// reused.
func TestPooledCallsStayApart(t *testing.T) {
	var recycled atomic.Int64
	probe.OnCallRecycled(func() { recycled.Add(1) })
	t.Cleanup(func() { probe.OnCallRecycled(nil) })

	for _, tc := range []struct {
		n        int
		batching bool
	}{{3, true}, {3, false}, {9, true}} { // 9 nodes: more than a handle holds inline
		t.Run(fmt.Sprintf("n=%d/batching=%v", tc.n, tc.batching), func(t *testing.T) {
			var s setup
			if !tc.batching {
				s.mgrOpts, s.insecure = []gorums.ManagerOption{gorums.WithNoBatching()}, true
			}
			c := newCluster(t, tc.n, s)
			start := recycled.Load()
			const callers, calls = 6, 150
			var seq atomic.Uint64
			var wg sync.WaitGroup
			for g := range callers {
				wg.Go(func() {
					for i := range calls {
						timeout := failsafe
						short := i%4 == 3
						if short {
							timeout = time.Duration(i%7) * 100 * time.Microsecond
						}
						ctx, cancel := context.WithTimeout(context.Background(), timeout)
						req := &Request{Value: fmt.Sprintf("g%d-%d", g, i), Seq: seq.Add(1), Quorum: 2}
						got, err := callOfKind(ctx, c, i%6, req)
						cancel()
						switch {
						case err != nil && (short || ctx.Err() != nil):
						case err != nil:
							t.Errorf("call %s (kind %d): %v", req.Value, i%6, err)
						case got != "" && (strings.Contains(got, "BAD") || !strings.Contains(got, "="+req.Value)):
							t.Errorf("call %s (kind %d, seq %d) got %q: replies of another call", req.Value, i%6, req.Seq, got)
						}
					}
				})
			}
			wg.Wait()
			if got := recycled.Load() - start; got < callers*calls/2 {
				t.Errorf("%d of about %d calls' states were reused, want most", got, callers*calls)
			}
		})
	}
}

// callOfKind makes one call of kind k (0..5) and returns its result's summary ("" for calls
// without one).
func callOfKind(ctx context.Context, c *cluster, k int, req *Request) (string, error) {
	switch k {
	case 0:
		r, err := c.cfg.QuorumCall(ctx, req)
		return r.GetResult(), err
	case 1:
		r, err := c.cfg.QuorumCallAsync(ctx, req).Get()
		return r.GetResult(), err
	case 2:
		corr := c.cfg.Correctable(ctx, req)
		<-corr.Done()
		r, _, err := corr.Get()
		return r.GetResult(), err
	case 3:
		// Five parts from each server: the call is done at level 2, while replies still come.
		req.Parts = 5
		corr := c.cfg.CorrectableStream(ctx, req)
		<-corr.Done()
		r, _, err := corr.Get()
		return r.GetResult(), err
	case 4:
		r, err := c.nodes[int(req.Seq)%len(c.nodes)].OrderedRPC(ctx, req)
		if err == nil && (r.GetSeq() != req.GetSeq() || r.GetResult() != req.GetValue()) {
			return "BAD", nil
		}
		return "", err
	default:
		c.cfg.Multicast(ctx, req)
		return "", nil
	}
}
