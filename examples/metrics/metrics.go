package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/quorumcall/gorums"
)

// bucketBounds are the upper bounds of the latency histogram's buckets, as a Prometheus
// histogram has them; one more bucket holds the latencies above the last bound.
var bucketBounds = [...]time.Duration{
	100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond,
	10 * time.Millisecond, 25 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second,
}

// MethodStats are the figures of one method's calls.
type MethodStats struct {
	Method     string
	Calls      int           // calls that ended
	Failed     int           // calls that returned an error
	Replies    int           // successful replies (for one-way calls: messages sent), summed
	NodeErrors int           // nodes that failed, summed over the calls
	Total      time.Duration // the calls' latencies, summed
	Max        time.Duration
	Buckets    [len(bucketBounds) + 1]int // calls by latency bucket
}

// add counts one ended call.
func (s *MethodStats) add(out gorums.CallOutcome) {
	s.Calls++
	if out.Err != nil {
		s.Failed++
	}
	s.Replies += out.Replies
	s.NodeErrors += len(out.Errors)
	s.Total += out.Latency
	s.Max = max(s.Max, out.Latency)
	b, _ := slices.BinarySearch(bucketBounds[:], out.Latency)
	s.Buckets[b]++
}

// Mean returns the mean latency, or 0 before the first call.
func (s MethodStats) Mean() time.Duration {
	if s.Calls == 0 {
		return 0
	}
	return s.Total / time.Duration(s.Calls)
}

// Quantile returns an upper bound of the q-quantile of the latencies (0 < q <= 1): the
// bound of the bucket in which the q-th of the calls falls, or Max if it falls above the last
// bound. As with any histogram, the true quantile lies in that bucket.
func (s MethodStats) Quantile(q float64) time.Duration {
	if s.Calls == 0 {
		return 0
	}
	rank := int(q*float64(s.Calls) + 0.999999) // the rank of the q-th call, from 1
	rank = min(max(rank, 1), s.Calls)
	seen := 0
	for b, n := range s.Buckets {
		seen += n
		if seen >= rank {
			if b < len(bucketBounds) {
				return min(bucketBounds[b], s.Max)
			}
			break
		}
	}
	return s.Max
}

// Metrics is a metrics hook on a Gorums manager: its client interceptor counts every call of
// every call type by method, with its failures, its nodes' errors and its latency, as an
// exporter of Prometheus or OpenTelemetry metrics would. Install it with
//
//	mgr := storage.NewManager(gorums.WithInterceptors(metrics.Interceptor()), ...)
//
// Its methods are safe for concurrent use: the interceptor's outcome function runs on the
// goroutine that ended each call, concurrently for concurrent calls.
type Metrics struct {
	mu      sync.Mutex
	methods map[string]*MethodStats // by full method name
}

// NewMetrics returns metrics with no calls counted.
func NewMetrics() *Metrics { return &Metrics{methods: make(map[string]*MethodStats)} }

// Interceptor returns the client interceptor that counts each call when it ends. It lets
// every call through unchanged.
func (m *Metrics) Interceptor() gorums.ClientInterceptor {
	return func(ctx context.Context, call gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
		return ctx, func(out gorums.CallOutcome) { m.record(call.Method, out) }, nil
	}
}

func (m *Metrics) record(method string, out gorums.CallOutcome) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.methods[method]
	if s == nil {
		s = &MethodStats{Method: method}
		m.methods[method] = s
	}
	s.add(out)
}

// Snapshot returns a copy of every method's figures, sorted by method name.
func (m *Metrics) Snapshot() []MethodStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]MethodStats, 0, len(m.methods))
	for _, s := range m.methods {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b MethodStats) int {
		switch {
		case a.Method < b.Method:
			return -1
		case a.Method > b.Method:
			return 1
		}
		return 0
	})
	return out
}

// WriteTable writes the figures of every method as a table: calls, failed calls, node
// errors, mean latency, the bucket bounds of the median and the 99th percentile, and the
// largest latency.
func (m *Metrics) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tcalls\tfailed\tnode errors\tmean\tp50 ≤\tp99 ≤\tmax")
	for _, s := range m.Snapshot() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%v\t%v\t%v\t%v\n", s.Method, s.Calls, s.Failed, s.NodeErrors,
			round(s.Mean()), round(s.Quantile(0.5)), round(s.Quantile(0.99)), round(s.Max))
	}
	return tw.Flush()
}

// round shortens a latency for the table: three significant digits or so.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
