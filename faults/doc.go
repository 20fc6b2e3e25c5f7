// Package faults holds the fault-injection tests of the Gorums runtime: what a client and its
// servers do when servers crash and come back, hang, run slowly, receive malformed or oversized
// input, or are cut off from the network. It has no exported API; everything lives in its
// tests, which use the small service of internal/testservice.
//
//   - crash_test.go: five servers, quorum three; calls succeed with any two stopped, fail fast
//     with an incomplete-call error naming each stopped node with three stopped, and the nodes
//     reconnect by themselves once the servers are back on the same addresses.
//   - hung_test.go: a handler that never returns stalls only its own stream; quorum calls on the
//     other nodes go on, the backlog toward the hung node is bounded by WithSendBufferSize (its
//     part of later calls fails fast with ResourceExhausted) and memory stays flat. A slow node
//     shows a larger Latency than fast ones.
//   - badinput_test.go: FuzzServerDispatch sends arbitrary methods and payloads (and raw frame
//     bytes) on a raw NodeStream to a real server over bufconn; the server answers or ends the
//     stream with a status and serves a new stream afterwards. Its seed corpus is in
//     testdata/fuzz/FuzzServerDispatch, so plain `go test` runs it. Oversized requests get
//     ResourceExhausted and leave the server serving.
//   - netns_linux_test.go (Linux only): servers in network namespaces of their own, joined to
//     the test by veth pairs on 192.168.77.0/24; one link is cut while calls go on and healed
//     again. It needs root and iproute2 and skips, saying why, where namespaces cannot be
//     made; a lock file in os.TempDir keeps concurrent test processes from sharing the subnet.
//     helper_server_test.go is the server the test runs inside each namespace.
//
// Concurrency: each test owns its servers and managers and stops them in t.Cleanup; handlers
// that block wait on channels the test closes at cleanup. TestMain checks for leaked
// goroutines with goleak. No test waits with sleeps: every wait polls a condition with a
// deadline, and no assertion depends on wall-clock time.
//
// Run the fuzz target with:
//
//	go test -run='^$' -fuzz=FuzzServerDispatch -fuzztime=60s ./faults
package faults
