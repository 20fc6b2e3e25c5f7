package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/benchmark"
	"github.com/quorumcall/gorums/manager"
)

// step is one run of the plan.
type step struct {
	key
	System benchmark.System
	Rep    int // from 1
}

// systemsFor returns Gorums and the baselines that do bench, Gorums first.
func systemsFor(bench benchmark.Benchmark, baselines []benchmark.System) []benchmark.System {
	systems := []benchmark.System{benchmark.Gorums}
	for _, b := range baselines {
		if benchmark.Supports(b, bench) {
			systems = append(systems, b)
		}
	}
	return systems
}

// plan lists the runs c asks for, in the order they are made: by server count, benchmark and
// caller count; within one configuration repetition by repetition, every system once per
// repetition, the order of the systems rotating by one each repetition so that none always
// runs first or right after another.
func plan(c config) []step {
	var steps []step
	for _, n := range c.servers {
		for _, bench := range c.benches {
			systems := systemsFor(bench, c.baselines)
			for _, callers := range c.callers {
				k := key{Bench: bench, Servers: n, Quorum: c.quorumFor(n), Callers: callers}
				for rep := range c.reps {
					for i := range systems {
						steps = append(steps, step{key: k, System: systems[(i+rep)%len(systems)], Rep: rep + 1})
					}
				}
			}
		}
	}
	return steps
}

// measure makes the runs of plan(c) and writes the results to stdout in c.format: JSON lines
// as they come (a config line, a run line per run, summary lines after each configuration),
// a table at the end otherwise. Progress goes to stderr unless c.quiet.
func measure(ctx context.Context, c config, command string, stdout, stderr io.Writer) error {
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	h := header{
		Mode: "local", Remotes: c.remotes, Payload: c.payload, Window: c.window, DelayNs: int64(c.delay),
		WarmupNs: int64(c.warmup), DurationNs: int64(c.duration), Reps: c.reps,
		GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(), Command: command,
	}
	if c.remote() {
		h.Mode = "remote"
	}
	if c.format == formatJSON {
		if err := writeJSON(stdout, "config", h); err != nil {
			return err
		}
	}
	progress := func(format string, args ...any) {
		if !c.quiet {
			fmt.Fprintf(stderr, "gorums-bench: "+format+"\n", args...)
		}
	}

	steps := plan(c)
	var (
		runs   []runResult
		target *benchmark.Target
		local  *benchmark.LocalServers
	)
	closeTarget := func() {
		if target != nil {
			_ = target.Close()
			target = nil
		}
		if local != nil {
			local.Stop()
			local = nil
		}
	}
	defer closeTarget()
	for i, st := range steps {
		if target == nil || len(target.Addrs()) != st.Servers {
			closeTarget()
			var addrs []string
			if c.remote() {
				addrs = c.remotes[:st.Servers]
			} else {
				var err error
				if local, err = benchmark.StartLocal(st.Servers); err != nil {
					return err
				}
				addrs = local.Addrs()
			}
			var err error
			// Room in every node's mailbox for every call the callers keep in flight.
			gorumsOpts := []gorums.ManagerOption{gorums.WithSendBufferSize(uint(max(c.inFlight(), manager.DefaultSendBufferSize)))}
			if c.noBatching {
				gorumsOpts = append(gorumsOpts, gorums.WithNoBatching())
			}
			if c.dynWindow {
				gorumsOpts = append(gorumsOpts, gorums.WithReceiveWindow(0))
			}
			if target, err = benchmark.Dial(ctx, addrs, st.Quorum, gorumsOpts...); err != nil {
				return err
			}
			progress("%d servers: %s", st.Servers, strings.Join(addrs, ", "))
		}
		r, err := runStep(ctx, c, target, st, func(ops uint64, elapsed time.Duration) {
			progress("  ... %d calls in %v", ops, elapsed.Round(time.Second))
		})
		if err != nil {
			return fmt.Errorf("%s rep %d %s: %w", st.key, st.Rep, st.System, err)
		}
		runs = append(runs, r)
		progress("[%d/%d] %s rep %d/%d %s: %s ops/s, p50 %s, %.1f allocs/op",
			i+1, len(steps), st.key, st.Rep, c.reps, st.System, fmtOps(r.OpsPerSec), fmtDur(r.P50), r.AllocsPerOp)
		if r.Delivered > 0 && r.Delivered < 1 {
			fmt.Fprintf(stderr, "gorums-bench: warning: %s %s: the servers received %.4f of the one-way messages sent\n", st.key, st.System, r.Delivered)
		}
		if c.format == formatJSON {
			if err := writeJSON(stdout, "run", r); err != nil {
				return err
			}
			if i+1 == len(steps) || steps[i+1].key != st.key {
				for _, s := range summarize(runsOf(runs, st.key)) {
					if err := writeJSON(stdout, "summary", s); err != nil {
						return err
					}
				}
			}
		}
	}
	switch c.format {
	case formatTable:
		return writeTable(stdout, h, summarize(runs), c.baselines)
	case formatMarkdown:
		return writeMarkdown(stdout, h, summarize(runs), c.baselines)
	}
	return nil
}

func runsOf(runs []runResult, k key) []runResult {
	var out []runResult
	for _, r := range runs {
		if r.key == k {
			out = append(out, r)
		}
	}
	return out
}

// runStep makes one run: the warmup, then (for remote servers) a reading of the servers'
// allocation counters, the measured window and a second reading.
func runStep(ctx context.Context, c config, target *benchmark.Target, st step, onProgress func(uint64, time.Duration)) (runResult, error) {
	op, err := target.Op(ctx, st.System, st.Bench)
	if err != nil {
		return runResult{}, err
	}
	finished := op.Finish == nil
	finish := func() (uint64, error) {
		finished = true
		return op.Finish(ctx)
	}
	defer func() {
		if !finished {
			_, _ = finish() // the run failed: release what the op holds
		}
	}()
	load := benchmark.Load{Callers: st.Callers, Window: c.window, Payload: c.payload, Duration: c.warmup}
	if st.Bench == benchmark.SlowServer {
		load.Delay = c.delay
	}
	var warmupOps uint64
	if c.warmup > 0 {
		w, err := benchmark.Run(ctx, op, load)
		if err != nil {
			return runResult{}, fmt.Errorf("warmup: %w", err)
		}
		warmupOps = w.Ops
	}
	var mallocs0, bytes0 uint64
	if c.remote() {
		if mallocs0, bytes0, err = target.ServerMem(ctx); err != nil {
			return runResult{}, err
		}
	}
	load.Duration, load.Progress = c.duration, onProgress
	s, err := benchmark.Run(ctx, op, load)
	if err != nil {
		return runResult{}, err
	}
	r := runResult{
		key: st.key, System: st.System, Rep: st.Rep, Ops: s.Ops, Seconds: s.Elapsed.Seconds(),
		metrics: metrics{
			OpsPerSec:   s.OpsPerSec(),
			P50:         s.Latency.Quantile(0.50),
			P90:         s.Latency.Quantile(0.90),
			P99:         s.Latency.Quantile(0.99),
			BytesPerOp:  s.BytesPerOp(),
			AllocsPerOp: s.AllocsPerOp(),
		},
	}
	if c.remote() {
		mallocs1, bytes1, err := target.ServerMem(ctx)
		if err != nil {
			return runResult{}, err
		}
		r.ServerAllocsPerOp = float64(mallocs1-mallocs0) / float64(s.Ops)
		r.ServerBytesPerOp = float64(bytes1-bytes0) / float64(s.Ops)
	}
	if !finished {
		delivered, err := finish()
		if err != nil {
			return runResult{}, err
		}
		r.Delivered = float64(delivered) / float64((s.Ops+warmupOps)*uint64(st.Servers))
	}
	return r, nil
}
