// Package benchmark measures Gorums calls against hand-written gRPC baselines doing the same
// job on the same servers. It is the engine of cmd/gorums-bench, and its go test benchmarks
// compare one change against another with benchstat. The messages and services are in
// benchmark/proto (package benchpb).
//
// Usage, as cmd/gorums-bench does it:
//
//	servers, _ := benchmark.StartLocal(3)           // or remote servers run by benchmark.NewServer
//	defer servers.Stop()
//	target, _ := benchmark.Dial(ctx, servers.Addrs(), 2) // a client of every system, quorum 2
//	defer target.Close()
//	op, _ := target.Op(ctx, benchmark.Gorums, benchmark.QuorumCall)
//	sample, _ := benchmark.Run(ctx, op, benchmark.Load{Callers: 16, Payload: 100, Duration: time.Second})
//	fmt.Println(sample.OpsPerSec(), sample.Latency.Quantile(0.99), sample.AllocsPerOp())
//
// # The benchmarks
//
// They are those of the original Gorums benchmarks:
//
//   - QuorumCall: a quorum call whose servers echo the request; it returns the reply once a
//     quorum replied.
//   - AsyncQuorumCall: the same call started asynchronously; each caller keeps Load.Window
//     calls in flight, starting the next when the oldest returned.
//   - Multicast: a one-way message to every server, which counts it. Op.Finish reports how many
//     the servers received, so that a run can show that none was lost.
//   - SlowServer: a quorum call whose handlers work for Load.Delay. Gorums' handler calls
//     ServerCtx.Release first, so that the stream's next request is handled meanwhile; without
//     it one client's calls would take turns.
//
// # The systems
//
//   - Gorums: the generated client (benchpb.Configuration's QC, AsyncQC, SlowQC, Multicast),
//     whose quorum functions return a reply once a quorum replied.
//   - Unary: a gRPC unary fan-out. One grpc.ClientConn per server; a call makes a unary call
//     to every server, each in its own goroutine, and returns as soon as a quorum replied. The
//     later replies go into the call's buffered channel, so their goroutines end on their own;
//     like Gorums, the baseline does not cancel them. gRPC has no one-way unary call, so Unary
//     has no Multicast.
//   - Stream: a gRPC bidi-stream fan-out, the best fan-out one writes by hand, which Gorums
//     aims to cost nothing over. One grpc.ClientConn and one long-lived stream per server, one
//     goroutine per stream routing replies by call ID to the waiting call through a table split
//     over 16 locks, one mutex per stream serialising sends, the request encoded once per call
//     with grpc.PreparedMsg and the per-call state pooled. Its Multicast sends on one client
//     stream per server.
//
// # The servers
//
// A Server is one gorums.Server serving the Gorums service, whose underlying gRPC server also
// serves the baselines' services, so every system talks to the same processes. Every echo
// handler replies with its request; a request with a delay (SlowServer) is answered after it:
// Gorums' handler calls Release first, gRPC runs every unary call in its own goroutine anyway,
// and the stream server answers a delayed request from a goroutine of its own, as a Gorums
// handler that released goes on by itself. Otherwise the stream server echoes inline in its
// receive loop, as the Gorums server runs its handlers.
//
// # The driver
//
// Run drives an Op in a closed loop: each of Load.Callers goroutines makes its next call when
// the previous one returned (for AsyncQuorumCall, when its oldest call returned). After the
// warmup it collects garbage, reads runtime.MemStats, runs the measured window, and reads them
// again: AllocsPerOp and BytesPerOp are the process's deltas over the window divided by the
// calls made in it. With local servers they include the servers' work, for Gorums and the
// baselines alike. Latencies go into one Histogram per caller (fixed size, so recording
// allocates nothing) and are merged after the window. Every reply must echo its caller's
// request, or the run fails.
//
// # Goroutines and concurrency
//
// Target's Op and ServerMem, and the Ops they return, are safe for concurrent use; Close is
// not, and waits for every goroutine the clients started: the stream baseline's receive
// goroutines and the unary baseline's call goroutines. Run starts its callers and a progress
// goroutine and waits for all of them before it returns. A Server's handlers run on the
// goroutines of gorums.Server and gRPC, plus one per delayed request of a baseline stream,
// which Stream waits for before it returns. LocalServers.Stop stops every server and waits for
// its Serve goroutine.
//
// # go test
//
// `go test ./benchmark` checks every system's every benchmark against real loopback servers.
// BenchmarkQuorumCall and BenchmarkOrderedRPC measure with the testing package, for benchstat:
//
//	go test -run='^$' -bench=QuorumCall -benchmem -count=10 ./benchmark > new.txt
//	benchstat old.txt new.txt
//
// Besides ns/op they report cpu-ns/op, the process's CPU time (every goroutine) per call,
// which a machine shared with other work disturbs far less. TestClientAllocations bounds the
// allocations of the client side of a call, with the servers in a child process (the test
// binary run again) so that only the client's count.
//
// Results are noisy on a small machine; for Gorums against the baselines use
// cmd/gorums-bench, whose repetitions interleave the systems.
package benchmark
