package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// TestCrashAndRestart: five servers, quorum three. With any two stopped the calls succeed;
// with three stopped a call fails fast with an incomplete-call error naming each stopped node;
// once the servers are back on their addresses the nodes reconnect by themselves and calls
// needing all five succeed again.
func TestCrashAndRestart(t *testing.T) {
	srvs, addrs := ts.StartN(t, 5, echo)
	mgr := newManager(t)
	cfg3 := ts.NewConfig(t, mgr, 3, addrs)
	cfg5 := ts.NewConfig(t, mgr, 5, addrs)

	seq := uint64(0)
	call := func(cfg *ts.Configuration) (*ts.Response, error) {
		seq++
		ctx, cancel := ctxFor(t)
		defer cancel()
		return cfg.Quorum(ctx, &ts.Request{Seq: seq})
	}
	if _, err := call(cfg5); err != nil {
		t.Fatalf("all servers up: %v", err)
	}

	// restart serves server i again on its address, as a supervisor restarts a crashed
	// process. The new server belongs to the whole test (t here is not a subtest's), so it
	// outlives the subtest that restarts it and stops at the test's cleanup.
	restart := func(i int) { srvs[i] = ts.StartOn(t, addrs[i], echo(i)) }

	waitAllBack := func(what string) {
		t.Helper()
		// The nodes reconnect on their own: no call is needed to make them try.
		if err := ts.Poll(20*time.Second, func() bool {
			for _, n := range cfg5.Nodes() {
				if !n.Connected() {
					return false
				}
			}
			return true
		}); err != nil {
			t.Fatalf("%s: nodes did not reconnect by themselves: %v", what, err)
		}
		var last error
		if err := ts.Poll(20*time.Second, func() bool { _, last = call(cfg5); return last == nil }); err != nil {
			t.Fatalf("%s: a call needing all 5 still fails: %v", what, last)
		}
	}

	for _, pair := range [][]int{{0, 1}, {2, 4}, {1, 3}, {0, 4}} {
		t.Run(fmt.Sprintf("stop%d%d", pair[0], pair[1]), func(t *testing.T) {
			// LastErr keeps the last error of an earlier round: the crash must replace it.
			before := map[int]error{}
			for _, i := range pair {
				before[i] = nodeByAddr(t, cfg3, addrs[i]).LastErr()
				srvs[i].Stop()
			}
			for k := range 30 {
				ctx, cancel := ctxFor(t)
				seq++
				resp, err := cfg3.Quorum(ctx, &ts.Request{Seq: seq})
				cancel()
				if err != nil {
					t.Fatalf("call %d with servers %v stopped: %v", k, pair, err)
				}
				if resp.GetSeq() != seq {
					t.Fatalf("call %d: reply for seq %d, want %d", k, resp.GetSeq(), seq)
				}
			}
			for _, i := range pair {
				n := nodeByAddr(t, cfg3, addrs[i])
				if err := ts.Poll(10*time.Second, func() bool { e := n.LastErr(); return e != nil && e != before[i] }); err != nil {
					t.Errorf("node %d (stopped server %s): LastErr did not record the crash: %v", n.ID(), addrs[i], n.LastErr())
				} else {
					t.Logf("node %d LastErr after the crash: %v", n.ID(), n.LastErr())
				}
			}
			for _, i := range pair {
				restart(i)
			}
			waitAllBack(fmt.Sprintf("after restarting %v", pair))
		})
	}

	t.Run("stop3", func(t *testing.T) {
		stopped := []int{0, 2, 4}
		var want []uint32
		for _, i := range stopped {
			srvs[i].Stop()
			want = append(want, nodeByAddr(t, cfg3, addrs[i]).ID())
		}
		slices.Sort(want)
		// The first call may meet the streams before they notice the crash, later ones
		// meet nodes that are reconnecting: both must fail fast and name every stopped node.
		for k := range 5 {
			ctx, cancel := ctxFor(t)
			seq++
			_, err := cfg3.Quorum(ctx, &ts.Request{Seq: seq})
			ctxErr := ctx.Err()
			cancel()
			checkIncomplete(t, fmt.Sprintf("call %d", k), err, ctxErr, 2, want)
		}
		for _, i := range stopped {
			if n := nodeByAddr(t, cfg3, addrs[i]); n.LastErr() == nil {
				t.Errorf("node %d: LastErr is nil after the crash", n.ID())
			}
		}
		for _, i := range stopped {
			restart(i)
		}
		waitAllBack("after restarting 3")
	})
}

// checkIncomplete asserts err is an incomplete quorum call (not a context error) with
// replies successful replies and one Unavailable error for each node of want.
func checkIncomplete(t *testing.T, what string, err, ctxErr error, replies int, want []uint32) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded without a quorum", what)
	}
	if ctxErr != nil {
		t.Fatalf("%s: waited for its deadline (ctx.Err()=%v): %v", what, ctxErr, err)
	}
	var e gorums.QuorumCallError
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T is not a QuorumCallError: %v", what, err, err)
	}
	if !errors.Is(err, gorums.ErrIncomplete) {
		t.Errorf("%s: errors.Is(err, ErrIncomplete) is false: %v", what, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Errorf("%s: error is a context error: %v", what, err)
	}
	if e.ReplyCount != replies {
		t.Errorf("%s: ReplyCount = %d, want %d", what, e.ReplyCount, replies)
	}
	var got []uint32
	for _, ne := range e.Errors {
		got = append(got, ne.NodeID)
		if c := status.Code(ne.Cause); c != codes.Unavailable {
			t.Errorf("%s: node %d: code %v, want Unavailable: %v", what, ne.NodeID, c, ne.Cause)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("%s: errors name nodes %v, want %v: %v", what, got, want, err)
	}
}
