package testservice

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quorumcall/gorums"
)

// valueOf is request seq's value: its own length and contents, from a few bytes (held in the
// call handle's own storage) to a few KiB (in a frame and buffer of their own).
func valueOf(seq uint64) string {
	n := int(seq*2654435761%240) + 1
	if seq%13 == 0 {
		n = 300 + int(seq%3000)
	}
	return fmt.Sprintf("%d|%s", seq, strings.Repeat(string(rune('a'+seq%26)), n))
}

// TestEveryRequestArrivesIntact: many callers make quorum calls and ordered RPCs at once, each
// with a value of its own, so that call handles, with the requests in their storage, are
// reused while other requests are on their way; batched and not. Every server sees each
// request's own value, and every reply echoes its own request. A request's storage reused
// before gRPC wrote it would show here as a value that does not match its sequence number.
func TestEveryRequestArrivesIntact(t *testing.T) {
	for _, batching := range []bool{true, false} {
		t.Run(fmt.Sprint("batching=", batching), func(t *testing.T) {
			var srvOpts []gorums.ServerOption
			var mgrOpts []gorums.ManagerOption
			if !batching {
				srvOpts = append(srvOpts, gorums.WithNoBatching())
				mgrOpts = append(mgrOpts, gorums.WithNoBatching())
			}
			var mu sync.Mutex
			var bad []string
			check := func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
				if req.GetValue() != valueOf(req.GetSeq()) {
					mu.Lock()
					bad = append(bad, fmt.Sprintf("server: request %d has another value", req.GetSeq()))
					mu.Unlock()
				}
				return Echo(req), nil
			}
			_, addrs := StartN(t, 3, func(int) TestService { return Both(check) }, srvOpts...)
			mgr := NewTestManager(t, mgrOpts...)
			cfg := NewConfig(t, mgr, 2, addrs) // a call may end before its third request is written
			ctx := Ctx(t, time.Minute)

			const callers, calls = 16, 150
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for c := range callers {
				wg.Go(func() {
					for i := range calls {
						seq := uint64(c*calls + i + 1)
						in := &Request{Seq: seq, Value: valueOf(seq)}
						var out *Response
						var err error
						if i%4 == 3 {
							out, err = cfg.Nodes()[c%3].Ordered(ctx, in)
						} else {
							out, err = cfg.Quorum(ctx, in)
						}
						if err != nil {
							errs <- fmt.Errorf("call %d: %w", seq, err)
							return
						}
						if out.GetSeq() != seq || out.GetValue() != in.GetValue() {
							errs <- fmt.Errorf("call %d: the reply echoes request %d", seq, out.GetSeq())
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, b := range bad {
				t.Error(b)
			}
		})
	}
}
