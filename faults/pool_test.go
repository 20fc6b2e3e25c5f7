package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/probe"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// TestPooledCallsStayApart: a call's state is reused by later calls once neither its caller
// nor any node holds it. Many callers make quorum calls and ordered RPCs at once, a quarter of
// them with deadlines so short that they end while their requests are queued, sent or being
// answered, and one of three servers answers late, so that most of its replies come after
// their call returned and its state was reused. Every reply a call returns must be its own
// request's echo, no request may stay pending, and states must be reused.
func TestPooledCallsStayApart(t *testing.T) {
	var recycled atomic.Int64
	probe.OnCallRecycled(func() { recycled.Add(1) })
	t.Cleanup(func() { probe.OnCallRecycled(nil) })

	late := ts.Both(func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		time.Sleep(time.Millisecond) // load shaping: this server's replies mostly come late
		return ts.Echo(req), nil
	})
	_, addrs := ts.StartN(t, 3, func(i int) ts.TestService {
		if i == 0 {
			return late
		}
		return ts.Handlers{}
	})
	for _, batching := range []bool{true, false} {
		t.Run(fmt.Sprintf("batching=%v", batching), func(t *testing.T) {
			var opts []gorums.ManagerOption
			if !batching {
				opts = append(opts, gorums.WithNoBatching())
			}
			mgr := newManager(t, opts...)
			cfg := ts.NewConfig(t, mgr, 2, addrs)
			start := recycled.Load()
			const callers, calls = 8, 300
			var wg sync.WaitGroup
			var failed atomic.Int64
			for g := range callers {
				wg.Go(func() {
					for i := range calls {
						value := fmt.Sprintf("caller %d call %d", g, i)
						timeout := 10 * time.Second
						if i%4 == 3 {
							timeout = time.Duration(i%7) * 100 * time.Microsecond
						}
						resp, ended, err := mixedCall(cfg, i, value, timeout, i%5 == 4)
						switch {
						case err == nil:
							if resp.GetValue() != value || resp.GetSeq() != uint64(i) {
								t.Errorf("call %q got the reply of another request: %q (seq %d)", value, resp.GetValue(), resp.GetSeq())
							}
						case i%4 == 3 && (status.Code(err) == codes.DeadlineExceeded || ended):
						default:
							failed.Add(1)
							t.Errorf("call %q: %v", value, err)
						}
					}
				})
			}
			wg.Wait()
			if failed.Load() > 0 {
				return
			}
			// The late server's last replies arrive after the calls returned; then nothing
			// is pending and the calls' states have gone back to the pool.
			err := ts.Poll(10*time.Second, func() bool {
				for _, n := range cfg.Nodes() {
					if probe.PendingCount(n.RawNode) != 0 {
						return false
					}
				}
				return true
			})
			if err != nil {
				for _, n := range cfg.Nodes() {
					t.Errorf("node %s: %d requests still pending", n.Address(), probe.PendingCount(n.RawNode))
				}
			}
			if got := recycled.Load() - start; got < callers*calls/2 {
				t.Errorf("%d of %d calls' states were reused, want most", got, callers*calls)
			}
		})
	}
}

// TestLargeMessagesIntact: requests and replies from 1.5 KiB to 300 KiB travel in pooled
// buffers, which go back to the pool once gRPC has written them and no node holds their call
// (requests), or once written or copied into a batch (replies), and serve later messages at
// once. Many callers make quorum calls and ordered RPCs at once, some with deadlines so short
// that their requests are withdrawn from the mailboxes, and one server answers late. Every
// reply must be its own request's echo, byte for byte, and buffers must come back.
func TestLargeMessagesIntact(t *testing.T) {
	var pooled atomic.Int64
	probe.OnBufferPooled(func() { pooled.Add(1) })
	t.Cleanup(func() { probe.OnBufferPooled(nil) })

	late := ts.Both(func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
		time.Sleep(time.Millisecond) // this server's replies mostly come after their call returned
		return ts.Echo(req), nil
	})
	_, addrs := ts.StartN(t, 3, func(i int) ts.TestService {
		if i == 0 {
			return late
		}
		return ts.Handlers{}
	})
	sizes := []int{1500, 3000, 9000, 40000, 140000, 300000} // across the pool's classes
	for _, batching := range []bool{true, false} {
		t.Run(fmt.Sprintf("batching=%v", batching), func(t *testing.T) {
			var opts []gorums.ManagerOption
			if !batching {
				opts = append(opts, gorums.WithNoBatching())
			}
			cfg := ts.NewConfig(t, newManager(t, opts...), 2, addrs)
			start := pooled.Load()
			const callers, calls = 6, 40
			var wg sync.WaitGroup
			for g := range callers {
				wg.Go(func() {
					for i := range calls {
						prefix := fmt.Sprintf("caller %d call %d;", g, i)
						value := strings.Repeat(prefix, sizes[(g+i)%len(sizes)]/len(prefix)+1)
						timeout := 10 * time.Second
						if i%5 == 4 {
							timeout = time.Duration(i%3) * 50 * time.Microsecond
						}
						resp, ended, err := mixedCall(cfg, i, value, timeout, i%4 == 3)
						switch {
						case err == nil:
							if resp.GetValue() != value {
								t.Errorf("%s: the reply (%d bytes) is not the request's echo (%d bytes)", prefix, len(resp.GetValue()), len(value))
							}
						case i%5 == 4 && ended:
						default:
							t.Errorf("%s: %v", prefix, err)
						}
					}
				})
			}
			wg.Wait()
			t.Logf("%d buffers back in the pool", pooled.Load()-start)
			if err := ts.Poll(20*time.Second, func() bool { return pooled.Load()-start > callers*calls }); err != nil {
				t.Errorf("%d buffers back in the pool after %d calls of large messages, want more than %d", pooled.Load()-start, callers*calls, callers*calls)
			}
		})
	}
}

// mixedCall makes call i of the load loops above, with the given timeout: an ordered RPC to
// the configuration's node i (round robin) if ordered, else a quorum call. It also reports
// whether the call's context had ended when the call returned.
func mixedCall(cfg *ts.Configuration, i int, value string, timeout time.Duration, ordered bool) (*ts.Response, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req := &ts.Request{Seq: uint64(i), Value: value}
	var resp *ts.Response
	var err error
	if ordered {
		nodes := cfg.Nodes()
		resp, err = nodes[i%len(nodes)].Ordered(ctx, req)
	} else {
		resp, err = cfg.Quorum(ctx, req)
	}
	return resp, ctx.Err() != nil, err
}
