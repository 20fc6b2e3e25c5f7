package benchmark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// Load says how Run drives an Op.
type Load struct {
	// Callers is how many goroutines call concurrently, each in a closed loop: it makes its
	// next call when the previous one returned.
	Callers int
	// Window is how many calls each caller keeps in flight when the Op starts calls
	// asynchronously: it starts the next when the oldest returned. Zero means one.
	Window int
	// Payload is the size of every request's payload, in bytes.
	Payload int
	// Delay is what each request asks a slow handler to work (Echo.delay_ns).
	Delay time.Duration
	// Warmup is how long the callers call before the measured window; nothing is recorded.
	Warmup time.Duration
	// Duration is how long the measured window lasts: callers start no call after it, but each
	// makes at least one.
	Duration time.Duration
	// Progress, if set, is called every ProgressEvery (default 2s) during the measured window
	// with the calls completed so far, from a goroutine of Run's.
	Progress      func(ops uint64, elapsed time.Duration)
	ProgressEvery time.Duration
}

// Sample is what one run measured.
type Sample struct {
	// Ops is how many calls completed in the measured window, WarmupOps how many before it.
	Ops, WarmupOps uint64
	// Elapsed is the measured window, from its start until the last call returned.
	Elapsed time.Duration
	// Latency holds every measured call's latency: from the call until its reply (for an
	// asynchronous call, from its start until Get returned).
	Latency *Histogram
	// Mallocs and AllocBytes are this process's runtime.MemStats Mallocs and TotalAlloc
	// deltas over the measured window.
	Mallocs, AllocBytes uint64
}

// OpsPerSec returns the throughput.
func (s Sample) OpsPerSec() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Elapsed.Seconds()
}

// AllocsPerOp returns the allocations per call.
func (s Sample) AllocsPerOp() float64 { return perOp(s.Mallocs, s.Ops) }

// BytesPerOp returns the bytes allocated per call.
func (s Sample) BytesPerOp() float64 { return perOp(s.AllocBytes, s.Ops) }

func perOp(v, ops uint64) float64 {
	if ops == 0 {
		return 0
	}
	return float64(v) / float64(ops)
}

// runGrace is how long a run may take beyond its warmup, duration and delays before its calls
// are given up: a server that hangs fails the run instead of stalling it.
const runGrace = 30 * time.Second

// Run drives op with load: a warmup, then the measured window, and reports what was
// measured. Every caller sends its own request (seq = caller number + 1) and every reply must
// echo it. The first failed call ends the run with its error.
func Run(ctx context.Context, op *Op, load Load) (Sample, error) {
	if load.Callers < 1 || load.Duration <= 0 {
		return Sample{}, fmt.Errorf("run: need at least one caller and a positive duration, have %d and %v", load.Callers, load.Duration)
	}
	if (op.Call == nil) == (op.Start == nil) {
		return Sample{}, errors.New("run: op needs exactly one of Call and Start")
	}
	ctx, cancel := context.WithTimeoutCause(ctx, load.Warmup+load.Duration+2*load.Delay+runGrace,
		fmt.Errorf("calls still unanswered %v after the measured window ended: a server stopped answering", runGrace))
	defer cancel()

	requests := make([]*benchpb.Echo, load.Callers)
	for i := range requests {
		seq := int64(i + 1)
		requests[i] = &benchpb.Echo{Payload: bytes.Repeat([]byte{byte(seq)}, load.Payload), Seq: seq, DelayNs: int64(load.Delay)}
	}

	var sample Sample
	if load.Warmup > 0 {
		ops, err := runCallers(ctx, op, load, requests, nil, make([]paddedCount, load.Callers), time.Now().Add(load.Warmup))
		if err != nil {
			return Sample{}, fmt.Errorf("warmup: %w", err)
		}
		sample.WarmupOps = ops
	}

	hists := make([]*Histogram, load.Callers)
	for i := range hists {
		hists[i] = new(Histogram)
	}
	counts := make([]paddedCount, load.Callers)
	var before, after runtime.MemStats
	runtime.GC() // every window starts from a collected heap
	runtime.ReadMemStats(&before)
	start := time.Now()
	stopProgress := startProgress(load, start, counts)
	ops, err := runCallers(ctx, op, load, requests, hists, counts, start.Add(load.Duration))
	sample.Elapsed = time.Since(start)
	runtime.ReadMemStats(&after)
	stopProgress()
	if err != nil {
		return Sample{}, err
	}
	sample.Ops = ops
	sample.Mallocs = after.Mallocs - before.Mallocs
	sample.AllocBytes = after.TotalAlloc - before.TotalAlloc
	sample.Latency = new(Histogram)
	for _, h := range hists {
		sample.Latency.Merge(h)
	}
	return sample, nil
}

// startProgress calls load.Progress periodically with the sum of counts until the returned
// function is called.
func startProgress(load Load, start time.Time, counts []paddedCount) (stop func()) {
	if load.Progress == nil {
		return func() {}
	}
	every := load.ProgressEvery
	if every <= 0 {
		every = 2 * time.Second
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				load.Progress(sumCounts(counts), now.Sub(start))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// runCallers runs load.Callers closed-loop callers until deadline and returns how many calls
// completed. Caller i counts its calls in counts[i] and, with hists, records each call's
// latency in hists[i].
func runCallers(ctx context.Context, op *Op, load Load, requests []*benchpb.Echo, hists []*Histogram, counts []paddedCount, deadline time.Time) (uint64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i := range load.Callers {
		var h *Histogram
		if hists != nil {
			h = hists[i]
		}
		wg.Go(func() {
			var err error
			if op.Start != nil {
				err = asyncCaller(ctx, op, max(1, load.Window), requests[i], h, &counts[i].n, deadline)
			} else {
				err = syncCaller(ctx, op, requests[i], h, &counts[i].n, deadline)
			}
			if err != nil {
				cancel(err) // the first error wins; the other callers see ctx end
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return sumCounts(counts), nil
}

func sumCounts(counts []paddedCount) uint64 {
	var total uint64
	for i := range counts {
		total += counts[i].n.Load()
	}
	return total
}

// paddedCount is one caller's count of completed calls, alone on its cache line so that
// callers do not slow each other down counting.
type paddedCount struct {
	n atomic.Uint64
	_ [56]byte
}

// syncCaller calls op.Call in a closed loop until deadline, at least once: a caller that
// starts late on a busy machine still counts.
func syncCaller(ctx context.Context, op *Op, in *benchpb.Echo, h *Histogram, count *atomic.Uint64, deadline time.Time) error {
	for t0 := time.Now(); ; {
		if ctx.Err() != nil {
			// One-way calls return without waiting for anything, so they would go on
			// until the deadline after the run was interrupted or another caller failed.
			return context.Cause(ctx)
		}
		out, err := op.Call(ctx, in)
		t1 := time.Now()
		if err != nil {
			return err
		}
		if !op.OneWay {
			if err := checkEcho(in, out); err != nil {
				return err
			}
		}
		if h != nil {
			h.Record(t1.Sub(t0))
		}
		count.Add(1)
		if !t1.Before(deadline) {
			return nil
		}
		t0 = t1
	}
}

// asyncCaller keeps window calls of op.Start in flight until deadline: it waits for the oldest
// and then starts the next, so that it is a closed loop of window calls. It starts at least
// one.
func asyncCaller(ctx context.Context, op *Op, window int, in *benchpb.Echo, h *Histogram, count *atomic.Uint64, deadline time.Time) error {
	futures := make([]Future, window)
	started := make([]time.Time, window)
	inFlight := 0
	for i := range futures {
		now := time.Now()
		if i > 0 && !now.Before(deadline) {
			break
		}
		started[i], futures[i] = now, op.Start(ctx, in)
		inFlight++
	}
	var firstErr error
	for i := 0; inFlight > 0; i = (i + 1) % window {
		if futures[i] == nil {
			continue
		}
		out, err := futures[i].Get()
		now := time.Now()
		futures[i] = nil
		inFlight--
		if err == nil {
			err = checkEcho(in, out)
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue // Get the rest, so that no call is left behind
		}
		if h != nil {
			h.Record(now.Sub(started[i]))
		}
		count.Add(1)
		if firstErr == nil && ctx.Err() == nil && now.Before(deadline) {
			started[i], futures[i] = now, op.Start(ctx, in)
			inFlight++
		}
	}
	return firstErr
}

// checkEcho checks that out echoes in.
func checkEcho(in, out *benchpb.Echo) error {
	if out == nil || out.GetSeq() != in.GetSeq() || len(out.GetPayload()) != len(in.GetPayload()) {
		return fmt.Errorf("reply %v does not echo request seq %d with %d bytes", out, in.GetSeq(), len(in.GetPayload()))
	}
	return nil
}
