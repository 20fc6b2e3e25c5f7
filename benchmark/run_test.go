package benchmark

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// inFlight counts the calls of a fake op that have started and not returned, and the most
// there ever were.
type inFlight struct{ now, most atomic.Int64 }

func (f *inFlight) enter() {
	n := f.now.Add(1)
	for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
	}
}

func (f *inFlight) leave() { f.now.Add(-1) }

// echo returns a copy of in, as a server would.
func echo(in *benchpb.Echo) *benchpb.Echo {
	return &benchpb.Echo{Payload: append([]byte(nil), in.Payload...), Seq: in.Seq}
}

type fakeFuture struct {
	f     *inFlight
	reply *benchpb.Echo
}

func (ff fakeFuture) Get() (*benchpb.Echo, error) {
	runtime.Gosched()
	ff.f.leave()
	return ff.reply, nil
}

func TestRunClosedLoop(t *testing.T) {
	const callers = 4
	t.Run("sync", func(t *testing.T) {
		var f inFlight
		seqs := make([]atomic.Int64, callers+1)
		op := &Op{Call: func(_ context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
			f.enter()
			defer f.leave()
			seqs[in.Seq].Add(1)
			runtime.Gosched()
			return echo(in), nil
		}}
		s, err := Run(t.Context(), op, Load{Callers: callers, Payload: 8, Warmup: time.Millisecond, Duration: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if most := f.most.Load(); most > callers {
			t.Errorf("%d calls in flight at once, want at most one per caller (%d)", most, callers)
		}
		var total int64
		for i := 1; i <= callers; i++ {
			if seqs[i].Load() == 0 {
				t.Errorf("caller %d made no call", i)
			}
			total += seqs[i].Load()
		}
		if uint64(total) != s.Ops+s.WarmupOps || s.Latency.Count() != s.Ops {
			t.Errorf("%d calls made, sample says %d + %d warmup, %d latencies", total, s.Ops, s.WarmupOps, s.Latency.Count())
		}
	})
	t.Run("async", func(t *testing.T) {
		const window = 3
		var f inFlight
		op := &Op{Start: func(_ context.Context, in *benchpb.Echo) Future {
			f.enter()
			return fakeFuture{f: &f, reply: echo(in)}
		}}
		s, err := Run(t.Context(), op, Load{Callers: callers, Window: window, Duration: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if most := f.most.Load(); most < window || most > callers*window {
			t.Errorf("%d calls in flight at most, want %d to %d", most, window, callers*window)
		}
		if f.now.Load() != 0 {
			t.Errorf("%d calls left in flight after the run", f.now.Load())
		}
		if s.Ops < callers*window || s.Latency.Count() != s.Ops {
			t.Errorf("%d ops, %d latencies", s.Ops, s.Latency.Count())
		}
	})
}

func TestRunFails(t *testing.T) {
	errBroken := errors.New("broken")
	var calls atomic.Int64
	tests := []struct {
		name string
		op   *Op
		load Load
		want string
	}{
		{"no callers", &Op{Call: func(context.Context, *benchpb.Echo) (*benchpb.Echo, error) { return nil, nil }},
			Load{Duration: time.Millisecond}, "at least one caller"},
		{"no duration", &Op{Call: func(context.Context, *benchpb.Echo) (*benchpb.Echo, error) { return nil, nil }},
			Load{Callers: 1}, "positive duration"},
		{"no call", &Op{}, Load{Callers: 1, Duration: time.Millisecond}, "exactly one of Call and Start"},
		{"a reply that does not echo", &Op{Call: func(_ context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
			return &benchpb.Echo{Seq: in.Seq + 1}, nil
		}}, Load{Callers: 2, Duration: time.Second}, "does not echo request seq"},
		{"an async reply that does not echo", &Op{Start: func(_ context.Context, in *benchpb.Echo) Future {
			return fakeFuture{f: &inFlight{}, reply: &benchpb.Echo{Seq: in.Seq, Payload: []byte("x")}}
		}}, Load{Callers: 2, Window: 2, Duration: time.Second}, "does not echo request seq"},
		{"an error in the window", &Op{Call: func(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
			if calls.Add(1) == 100 {
				return nil, errBroken
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return echo(in), nil
		}}, Load{Callers: 3, Duration: time.Minute}, "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(t.Context(), tt.op, tt.load)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
