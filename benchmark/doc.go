// Package benchmark measures Gorums calls against hand-written gRPC baselines doing the same
// job, in the same `go test -bench` run. It has no API; everything is in bench_test.go, and
// the messages and services are in benchmark/proto (package benchpb).
//
// # What is measured
//
// Every benchmark starts its own loopback servers (127.0.0.1, one gorums.Server each, whose
// underlying gRPC server also serves the plain gRPC services BenchGRPC and BenchStream) and
// its own client, once per sub-benchmark; both are torn down in b.Cleanup and the package runs
// under goleak.VerifyTestMain. Every server method echoes its request, a 64-byte payload and a
// sequence number that the caller checks in the reply.
//
//   - BenchmarkQuorumCall/gorums/servers=N: the generated quorum call Configuration.QC on N
//     servers (N = 3, 5), whose quorum function accepts any majority of replies.
//   - BenchmarkQuorumCall/grpc/servers=N: the baseline, one grpc.ClientConn per server; a call
//     makes a unary call to every server, each in its own goroutine, and returns as soon as a
//     majority replied. The replies that come later go into the call's buffered channel (one
//     slot per server), so their goroutines end on their own; like Gorums, the baseline does
//     not cancel them.
//   - BenchmarkQuorumCall/grpcstream/servers=N: the stronger baseline, the best hand-written
//     fan-out on gRPC bidirectional streams, which is what DESIGN.md §7 asks Gorums to cost
//     nothing over. One grpc.ClientConn and one long-lived BenchStream stream per server, with
//     one goroutine per stream receiving replies and routing them by seq to the waiting call
//     (a mutex-protected map from seq to the call's channel, buffered with one slot per
//     server); sends on a stream are serialised by a mutex per stream. A call sends to every
//     stream and returns as soon as a majority replied; later replies are dropped. The seq on
//     the wire is a fresh call id (callers reuse their request, so its own seq would not tell
//     one call's replies from the previous one's); the reply handed back carries the caller's
//     seq again. The server echoes inline in the stream's receive loop. Streams are ended and
//     their receive goroutines waited for in b.Cleanup.
//   - BenchmarkOrderedRPC/gorums and /grpc: one server; Gorums' ordered RPC (Node.RPC, sent on
//     the node's NodeStream and handled in arrival order) against a plain unary gRPC call.
//
// Each has two variants: callers=1, one goroutine calling in a loop (latency), and callers=16
// (b.SetParallelism so that about 16 goroutines call at once through b.RunParallel; the name
// shows the exact count, GOMAXPROCS times the parallelism), where ns/op is the inverse of
// throughput. Clients and servers run in the same process, so ns/op, B/op and allocs/op include
// the servers' work too, for Gorums and the baseline alike.
//
// # How to run
//
// `go test ./benchmark` (no -bench) runs only TestBaselineAndGorumsAgree, one call of each kind
// against the same servers (the stream baseline included), to keep the code exercised. To
// measure:
//
//	go test -run=^$ -bench=. -benchmem -count=5 ./benchmark | tee new.txt
//
// Results are noisy on a small machine: keep it otherwise idle, and compare a change by running
// the same command before it (old.txt) and after it (new.txt), then
//
//	go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt
//
// To compare Gorums with the baselines, read the gorums, grpc and grpcstream lines of the same
// N and callers side by side; grpcstream is the one to beat. To see where the time goes, add -cpuprofile cpu.out (with a -bench
// pattern that selects one benchmark) and run go tool pprof -top cpu.out.
package benchmark
