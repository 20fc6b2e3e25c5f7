/*
Gorums-bench measures Gorums against hand-written gRPC code doing the same job on the same
servers: the original Gorums benchmarks (a quorum call, an async quorum call, a multicast, and
a slow server whose handler calls Release), each beside a gRPC unary fan-out and a gRPC
bidi-stream fan-out (one stream per server, replies routed by ID), in one binary.

Usage:

	go run ./cmd/gorums-bench [flags]                      # in-process servers on loopback
	go run ./cmd/gorums-bench -server :9000                # a benchmark server, on each machine
	go run ./cmd/gorums-bench -remotes h1:9000,h2:9000,h3:9000 [flags]

The README's table:

	go run ./cmd/gorums-bench -bench qc -servers 3,5,9 -callers 1,16 -payload 100 -reps 3 -format markdown

Flags that take lists (-bench, -servers, -callers) run every combination. -servers with
-remotes uses the first N remotes. -quorum 0 (the default) is a majority of each server
count. -baselines none measures Gorums alone (for profiling with -cpuprofile). -nobatch
measures Gorums without batched frames (gorums.WithNoBatching on its client), as it runs
against a peer of another version; the baselines are the same either way. -dynwindow gives
Gorums' client gRPC's dynamic receive window, which the baselines' clients have (Gorums sets a
static one by default; see gorums.WithReceiveWindow).

# What a run does

For each server count the tool starts the servers (or connects to the remotes) and connects
one client of every system. For each benchmark and caller count it makes -reps repetitions;
in each, every system runs once, in an order that rotates by one each repetition, so Gorums
and the baselines alternate and share the machine's state of the moment. A run is a warmup of
-warmup, then a measured window of -duration in which -callers goroutines call in a closed
loop (each makes its next call when the previous one returned; an async caller keeps -window
calls in flight). It measures throughput, latency percentiles from a histogram with 1.6%
resolution, and the process's allocations per call from runtime.MemStats over the window;
with local servers those include the servers' work, for every system alike. With remote
servers the tool also reads each server's allocation counters before and after the window
(srv B/op, srv allocs/op: the servers' whole process, other clients included). For a
multicast it checks that the servers received every message and warns if not.

# Output

-format table (the default) prints one row per system with the medians over the repetitions,
and on Gorums' row its ratio to each baseline: ops÷stream is the median over the repetitions
of Gorums' throughput divided by the stream baseline's in the same repetition (above 1: Gorums
is faster), allocs÷stream the same for allocations (below 1: Gorums allocates less).
-format markdown prints one row per configuration with the systems side by side. -format json
prints JSON lines as the runs finish: first {"type":"config",...}, then {"type":"run",...} per
run and {"type":"summary",...} per system after each configuration, whose "ratios" hold each
baseline's ratios (ops_per_sec with its min and max, p50, allocs_per_op). Latencies in JSON
are in nanoseconds. Progress goes to stderr (-q silences it).

Numbers from a shared or small machine drift by 10-30% from one invocation to the next;
compare systems within one invocation, where the repetitions interleave.

# Concurrency

main runs everything on its goroutine except what package benchmark starts (callers, the
progress ticker, client and server goroutines), all of which have ended when run returns. In
server mode SIGINT or SIGTERM stops the server and waits for its handlers.
*/
package main
