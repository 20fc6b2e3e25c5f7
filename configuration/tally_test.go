package configuration

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// atLeast is a quorum function: it accepts k replies and returns their sum.
func atLeast(k int) func(string, map[uint32]int) (int, bool) {
	return func(_ string, replies map[uint32]int) (int, bool) {
		if len(replies) < k {
			return 0, false
		}
		sum := 0
		for _, v := range replies {
			sum += v
		}
		return sum, true
	}
}

func TestTallyQuorumAfterK(t *testing.T) {
	for k := 1; k <= 5; k++ {
		t.Run(fmt.Sprint("k=", k), func(t *testing.T) {
			tl := newTally("in", 5, atLeast(k))
			for i := 1; i <= k; i++ {
				out, done, err := tl.reply(uint32(i), i)
				if i < k {
					if done || err != nil {
						t.Fatalf("done after %d of %d replies: %v", i, k, err)
					}
					continue
				}
				if !done || err != nil || out != k*(k+1)/2 {
					t.Fatalf("after %d replies: %v, %v, %v", i, out, done, err)
				}
			}
		})
	}
}

func TestTallyQuorumFunctionSeesRequest(t *testing.T) {
	var saw string
	tl := newTally("the request", 1, func(in string, _ map[uint32]int) (int, bool) {
		saw = in
		return 0, true
	})
	tl.reply(7, 1)
	if saw != "the request" {
		t.Fatalf("qf got %q", saw)
	}
}

func TestTallyDuplicateReplyCountsOnce(t *testing.T) {
	calls := 0
	tl := newTally("in", 3, func(_ string, r map[uint32]int) (int, bool) {
		calls++
		return len(r), len(r) >= 2
	})
	if _, done, _ := tl.reply(1, 10); done {
		t.Fatal("done after one reply")
	}
	if _, done, err := tl.reply(1, 11); done || err != nil {
		t.Fatalf("a duplicate reply ended the call: %v", err)
	}
	if calls != 1 || len(tl.replies) != 1 || tl.replies[1] != 10 {
		t.Fatalf("duplicate was counted: qf calls %d, replies %v", calls, tl.replies)
	}
	// Duplicates do not make an incomplete call complete either.
	tl.reply(1, 12)
	tl.reply(1, 13)
	if _, done, _ := tl.reply(1, 14); done {
		t.Fatal("duplicates completed the call")
	}
	if out, done, err := tl.reply(2, 20); !done || err != nil || out != 2 {
		t.Fatalf("second node's reply: %v %v %v", out, done, err)
	}
}

func TestTallyAllFailed(t *testing.T) {
	tl := newTally("in", 3, atLeast(2))
	causes := []error{
		status.Error(codes.Unavailable, "down"),
		status.Error(codes.NotFound, "nope"),
		errors.New("plain"),
	}
	ids := []uint32{30, 10, 20}
	var err error
	for i, c := range causes {
		var done bool
		_, done, err = tl.fail(ids[i], c)
		if done != (i == len(causes)-1) {
			t.Fatalf("after failure %d: done = %v", i, done)
		}
	}
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
	var qe QuorumCallError
	if !errors.As(err, &qe) {
		t.Fatalf("err is %T, not a QuorumCallError", err)
	}
	if qe.Reason != "incomplete call" || qe.ReplyCount != 0 || len(qe.Errors) != 3 {
		t.Fatalf("QuorumCallError = %+v", qe)
	}
	for i, ne := range qe.Errors {
		if ne.NodeID != ids[i] || ne.Cause != causes[i] {
			t.Fatalf("Errors[%d] = %+v, want node %d with %v (in arrival order)", i, ne, ids[i], causes[i])
		}
	}
	if status.Code(qe.Errors[1].Cause) != codes.NotFound {
		t.Fatal("node cause lost its status code")
	}
}

func TestTallyMixedWithoutQuorumIsIncomplete(t *testing.T) {
	tl := newTally("in", 4, atLeast(3))
	steps := []struct {
		id   uint32
		fail bool
	}{{1, false}, {2, true}, {3, false}, {4, true}}
	var (
		done bool
		err  error
	)
	for i, s := range steps {
		if s.fail {
			_, done, err = tl.fail(s.id, status.Error(codes.Unavailable, "x"))
		} else {
			_, done, err = tl.reply(s.id, 1)
		}
		if done != (i == len(steps)-1) {
			t.Fatalf("step %d: done = %v (%v)", i, done, err)
		}
	}
	var qe QuorumCallError
	if !errors.Is(err, ErrIncomplete) || !errors.As(err, &qe) {
		t.Fatalf("err = %v", err)
	}
	if qe.ReplyCount != 2 || len(qe.Errors) != 2 || qe.Errors[0].NodeID != 2 || qe.Errors[1].NodeID != 4 {
		t.Fatalf("QuorumCallError = %+v", qe)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("incomplete error matches DeadlineExceeded")
	}
}

func TestTallyQuorumDespiteFailures(t *testing.T) {
	tl := newTally("in", 5, atLeast(3))
	tl.fail(1, errors.New("a"))
	tl.fail(2, errors.New("b"))
	tl.reply(3, 1)
	tl.reply(4, 1)
	out, done, err := tl.reply(5, 1)
	if !done || err != nil || out != 3 {
		t.Fatalf("%v %v %v", out, done, err)
	}
}

func TestTallyLastReplyReachesQuorum(t *testing.T) {
	// The reply that completes the set must be given to the quorum function before the call
	// is declared incomplete.
	tl := newTally("in", 2, atLeast(1))
	tl.fail(1, errors.New("a"))
	if out, done, err := tl.reply(2, 5); !done || err != nil || out != 5 {
		t.Fatalf("%v %v %v", out, done, err)
	}
}

func TestTallyNoNodesExpected(t *testing.T) {
	tl := newTally("in", 0, atLeast(1))
	if _, done, err := tl.checkComplete(); !done || !errors.Is(err, ErrIncomplete) {
		t.Fatalf("%v %v", done, err)
	}
}

func TestTallyAbort(t *testing.T) {
	for _, cause := range []error{context.DeadlineExceeded, context.Canceled} {
		t.Run(cause.Error(), func(t *testing.T) {
			tl := newTally("in", 3, atLeast(3))
			tl.reply(1, 1)
			tl.fail(2, status.Error(codes.Unavailable, "down"))
			err := tl.abort(cause)
			if !errors.Is(err, cause) {
				t.Fatalf("errors.Is(%v, %v) = false", err, cause)
			}
			if errors.Is(err, ErrIncomplete) {
				t.Fatal("an aborted call matches ErrIncomplete")
			}
			var qe QuorumCallError
			if !errors.As(err, &qe) {
				t.Fatalf("%T is not a QuorumCallError", err)
			}
			if qe.Reason != cause.Error() || qe.ReplyCount != 1 || len(qe.Errors) != 1 || qe.Errors[0].NodeID != 2 {
				t.Fatalf("QuorumCallError = %+v", qe)
			}
		})
	}
}

func newTally[Req, Resp, Out any](in Req, expected int, qf func(Req, map[uint32]Resp) (Out, bool)) *tally[Req, Resp, Out] {
	t := &tally[Req, Resp, Out]{}
	t.init(in, expected, qf)
	return t
}
