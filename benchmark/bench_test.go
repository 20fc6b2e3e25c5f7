package benchmark

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// benchPayload is the payload size of the go test benchmarks.
const benchPayload = 100

// parallelCallers is roughly how many goroutines call at once in the parallel variants.
const parallelCallers = 16

// runCalls benchmarks call with one caller and with about parallelCallers callers.
func runCalls(b *testing.B, call Call) {
	in := &benchpb.Echo{Payload: make([]byte, benchPayload), Seq: 1}
	warm, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if out, err := call(warm, in); err != nil || checkEcho(in, out) != nil {
		b.Fatalf("warm-up call: %v, %v", out, err)
	}
	b.Run("callers=1", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		ctx := context.Background()
		for b.Loop() {
			out, err := call(ctx, in)
			if err == nil {
				err = checkEcho(in, out)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	p := max(1, parallelCallers/runtime.GOMAXPROCS(0))
	b.Run(fmt.Sprintf("callers=%d", p*runtime.GOMAXPROCS(0)), func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(p)
		defer reportCPU(b)()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				out, err := call(ctx, in)
				if err == nil {
					err = checkEcho(in, out)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkQuorumCall measures a majority quorum call on 3 and 5 loopback servers: Gorums'
// generated QC method against the hand-written gRPC unary and bidi-stream fan-outs.
func BenchmarkQuorumCall(b *testing.B) {
	for _, n := range []int{3, 5} {
		target := newTarget(b, n, n/2+1)
		for _, sys := range Systems {
			b.Run(fmt.Sprintf("%s/servers=%d", sys, n), func(b *testing.B) {
				op, err := target.Op(context.Background(), sys, QuorumCall)
				if err != nil {
					b.Fatal(err)
				}
				runCalls(b, op.Call)
			})
		}
	}
}

// BenchmarkOrderedRPC measures an RPC on one loopback server: Gorums' ordered RPC (on the
// NodeStream, handled in order) against a plain unary gRPC call.
func BenchmarkOrderedRPC(b *testing.B) {
	target := newTarget(b, 1, 1)
	b.Run("gorums", func(b *testing.B) { runCalls(b, target.gorums.cfg.Nodes()[0].RPC) })
	b.Run("unary", func(b *testing.B) {
		runCalls(b, func(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
			return target.unary.clients[0].Unary(ctx, in)
		})
	})
}

// TestEverySystemEchoes makes one call of every benchmark of every system on 1, 3 and 5
// servers, against the same servers.
func TestEverySystemEchoes(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("servers=%d", n), func(t *testing.T) {
			target := newTarget(t, n, n/2+1)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for _, sys := range Systems {
				for _, bench := range Benchmarks {
					op, err := target.Op(ctx, sys, bench)
					if !Supports(sys, bench) {
						if !errors.Is(err, ErrUnsupported) {
							t.Errorf("%s %s: err = %v, want ErrUnsupported", sys, bench, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s %s: %v", sys, bench, err)
					}
					in := &benchpb.Echo{Payload: []byte("payload"), Seq: 42, DelayNs: int64(time.Millisecond)}
					var out *benchpb.Echo
					if op.Start != nil {
						out, err = op.Start(ctx, in).Get()
					} else {
						out, err = op.Call(ctx, in)
					}
					if err != nil {
						t.Fatalf("%s %s: %v", sys, bench, err)
					}
					if op.OneWay {
						if out != nil {
							t.Errorf("%s %s: one-way call returned %v", sys, bench, out)
						}
					} else if err := checkEcho(in, out); err != nil {
						t.Errorf("%s %s: %v", sys, bench, err)
					}
					if op.Finish != nil {
						delivered, err := op.Finish(ctx)
						if err != nil {
							t.Fatalf("%s %s: finish: %v", sys, bench, err)
						}
						if delivered != uint64(n) {
							t.Errorf("%s %s: delivered %d messages, want %d", sys, bench, delivered, n)
						}
					}
				}
			}
		})
	}
}

// TestRunEveryBenchmark runs every benchmark of every system briefly on 3 loopback servers and
// checks what Run reports.
func TestRunEveryBenchmark(t *testing.T) {
	const n = 3
	target := newTarget(t, n, 2)
	ctx := context.Background()
	for _, bench := range Benchmarks {
		for _, sys := range Systems {
			if !Supports(sys, bench) {
				continue
			}
			t.Run(fmt.Sprintf("%s/%s", bench, sys), func(t *testing.T) {
				op, err := target.Op(ctx, sys, bench)
				if err != nil {
					t.Fatal(err)
				}
				load := Load{Callers: 3, Window: 2, Payload: 10, Warmup: 5 * time.Millisecond, Duration: 20 * time.Millisecond}
				if bench == SlowServer {
					load.Delay = time.Millisecond
				}
				s, err := Run(ctx, op, load)
				if err != nil {
					t.Fatal(err)
				}
				if s.Ops < uint64(load.Callers) || s.WarmupOps < uint64(load.Callers) {
					t.Errorf("ops %d, warmup ops %d: want at least one per caller", s.Ops, s.WarmupOps)
				}
				if s.Latency.Count() != s.Ops {
					t.Errorf("%d latencies for %d ops", s.Latency.Count(), s.Ops)
				}
				if s.Elapsed < load.Duration || s.OpsPerSec() <= 0 || s.Mallocs == 0 || s.AllocBytes == 0 {
					t.Errorf("implausible sample %+v", s)
				}
				if bench == SlowServer && s.Latency.Quantile(0.5) < load.Delay {
					t.Errorf("slow server: median latency %v below the handlers' delay %v", s.Latency.Quantile(0.5), load.Delay)
				}
				if op.Finish != nil {
					delivered, err := op.Finish(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if want := (s.Ops + s.WarmupOps) * n; delivered != want {
						t.Errorf("delivered %d messages, want %d (%d calls to %d servers)", delivered, want, s.Ops+s.WarmupOps, n)
					}
				}
			})
		}
	}
}

// TestQuorumOfSurvivors stops one of three servers, after which every system's quorum call
// still succeeds, then a second, after which every system's quorum call fails with the
// servers' errors rather than waiting for its context.
func TestQuorumOfSurvivors(t *testing.T) {
	ls, err := StartLocal(3)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ls.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, err := Dial(ctx, ls.Addrs(), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = target.Close() })
	in := &benchpb.Echo{Payload: []byte("x"), Seq: 7}
	call := func(sys System) error {
		op, err := target.Op(ctx, sys, QuorumCall)
		if err != nil {
			return err
		}
		out, err := op.Call(ctx, in)
		if err == nil {
			err = checkEcho(in, out)
		}
		return err
	}

	ls.StopOne(0)
	for _, sys := range Systems {
		if err := call(sys); err != nil {
			t.Errorf("%s with one of three servers down: %v", sys, err)
		}
	}
	ls.StopOne(1)
	for _, sys := range Systems {
		err := call(sys)
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s with two of three servers down: err = %v, want the servers' errors", sys, err)
		}
	}
}

// TestDialFailsClearly dials an address nobody serves.
func TestDialFailsClearly(t *testing.T) {
	ls, err := StartLocal(1)
	if err != nil {
		t.Fatal(err)
	}
	dead := ls.Addrs()[0]
	ls.Stop()
	if _, err := Dial(context.Background(), []string{dead}, 2); err == nil {
		t.Fatal("Dial with a quorum larger than the servers succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := Dial(ctx, []string{dead}, 1); err == nil {
		t.Fatal("Dial of a stopped server succeeded")
	}
}

// newTarget starts n local servers and dials them with the given quorum; both are closed in
// tb's cleanup.
func newTarget(tb testing.TB, n, quorum int) *Target {
	tb.Helper()
	ls, err := StartLocal(n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(ls.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, err := Dial(ctx, ls.Addrs(), quorum)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = target.Close() })
	return target
}

// reportCPU reports the process's CPU time (user and system, every goroutine: callers,
// servers, gRPC) per operation, as cpu-ns/op. On a machine shared with other work it varies far
// less than the time per operation, which waits for a core whenever another process has it.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMulticastServersKeepUp measures the caller's side of a Gorums multicast to 3
// loopback servers that have handled every earlier multicast before the next one starts: a
// client whose one-way messages do not outpace its servers, on streams that carry no replies.
// caller-ns/op is the time in Multicast alone; ns/op includes the wait for the servers.
func BenchmarkMulticastServersKeepUp(b *testing.B) {
	ls, err := StartLocal(3)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ls.Stop)
	handled := make(chan struct{}, len(ls.servers))
	for _, s := range ls.servers {
		s.handledMulticast = handled
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target, err := Dial(ctx, ls.Addrs(), 2)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = target.Close() })
	in := &benchpb.Echo{Payload: make([]byte, benchPayload), Seq: 1}
	var inCall time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		target.gorums.cfg.Multicast(ctx, in)
		inCall += time.Since(start)
		for range ls.servers {
			select {
			case <-handled:
			case <-ctx.Done():
				b.Fatal("the servers did not handle every multicast")
			}
		}
	}
	b.ReportMetric(float64(inCall.Nanoseconds())/float64(b.N), "caller-ns/op")
}
