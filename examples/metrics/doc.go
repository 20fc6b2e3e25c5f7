// Metrics is a metrics hook on a Gorums client, as a runnable demo: a client interceptor
// (gorums.WithInterceptors) that counts every call of every call type by method, with the
// calls that failed, the nodes' errors and a histogram of the calls' latencies, as an
// exporter of Prometheus or OpenTelemetry metrics would; the demo prints them as a table.
//
// Usage:
//
//	go run ./examples/metrics
//
// The demo starts three servers of the storage example's service (examples/storage/proto) in
// this process and runs quorum writes and reads, ordered reads and multicasts on them; one
// server stops, and the quorum calls go on while the ordered reads on it fail; a second
// stops, and the quorum reads fail. Then it prints, per method, the calls, the failed calls,
// the node errors, the mean latency, the bucket bounds of the median and the 99th percentile,
// and the largest latency.
//
// Metrics (metrics.go) is the hook: Interceptor returns the interceptor, which lets every call
// through and records its outcome when it ends; Snapshot and WriteTable read the figures.
// Metrics guards its figures with a mutex, since outcomes are recorded on the goroutines that
// end the calls, concurrently. The servers' Serve calls run on goroutines of their own,
// waited for when the demo stops them.
package main
