package main

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
	"github.com/quorumcall/gorums/gorumstest"
	"github.com/quorumcall/gorums/quorum"
)

// TestQuantile: the quantile is the bound of the bucket of the q-th call, capped at Max.
func TestQuantile(t *testing.T) {
	const us, ms = time.Microsecond, time.Millisecond
	for _, tc := range []struct {
		latencies []time.Duration
		q         float64
		want      time.Duration
	}{
		{nil, 0.5, 0},
		{[]time.Duration{50 * us}, 0.5, 50 * us}, // capped at Max
		{[]time.Duration{50 * us, 300 * us, 3 * ms}, 0.5, 500 * us},        // the second call's bucket
		{[]time.Duration{50 * us, 300 * us, 3 * ms}, 0.99, 3 * ms},         // capped at Max
		{[]time.Duration{50 * us, 300 * us, 3 * ms, 4 * ms}, 0.75, 4 * ms}, // the third call's bucket (≤ 5ms), capped
		{[]time.Duration{ms, ms, ms, 2 * time.Second}, 0.5, ms},            // a bound is in its bucket
		{[]time.Duration{ms, 2 * time.Second}, 1, 2 * time.Second},         // above the last bound: Max
	} {
		var s MethodStats
		for _, l := range tc.latencies {
			s.add(gorums.CallOutcome{Latency: l})
		}
		if got := s.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) of %v = %v, want %v", tc.q, tc.latencies, got, tc.want)
		}
	}
}

// TestAdd: a call's outcome is counted in its method's figures.
func TestAdd(t *testing.T) {
	var s MethodStats
	s.add(gorums.CallOutcome{Replies: 2, Errors: map[uint32]error{3: errors.New("down")}, Latency: 2 * time.Millisecond})
	s.add(gorums.CallOutcome{Replies: 1, Errors: map[uint32]error{2: errors.New("down"), 3: errors.New("down")},
		Latency: 4 * time.Millisecond, Err: errors.New("incomplete")})
	want := MethodStats{Calls: 2, Failed: 1, Replies: 3, NodeErrors: 3, Total: 6 * time.Millisecond, Max: 4 * time.Millisecond}
	want.Buckets[4], want.Buckets[5] = 1, 1 // ≤ 2.5ms and ≤ 5ms
	if s != want {
		t.Errorf("after two calls: %+v\nwant %+v", s, want)
	}
	if s.Mean() != 3*time.Millisecond {
		t.Errorf("Mean = %v, want 3ms", s.Mean())
	}
}

// TestInterceptorCounts: the interceptor counts every call of concurrent callers by method,
// with the failures of a stopped server, and lets the calls through unchanged.
func TestInterceptorCounts(t *testing.T) {
	c := gorumstest.NewCluster(t, 3, func(int) gorumstest.Server {
		srv := gorums.NewServer()
		storage.RegisterStorageServer(srv, newStorageServer())
		return srv
	})
	metrics := NewMetrics()
	mgr := gorumstest.NewManager(t, c, storage.NewManager, gorums.WithInterceptors(metrics.Interceptor()))
	cfg, err := mgr.NewConfiguration(qspec{q: quorum.Majority(3)}, c.NodeList())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	const callers, calls = 8, 25
	var wg sync.WaitGroup
	for g := range callers {
		wg.Go(func() {
			for k := range calls {
				st := &storage.State{Key: fmt.Sprint(g), Value: "v", Timestamp: int64(k + 1)}
				if _, err := cfg.WriteQC(ctx, st); err != nil {
					t.Errorf("WriteQC: %v", err)
				}
				if got, err := cfg.ReadQC(ctx, &storage.ReadRequest{Key: st.Key}); err != nil || got.GetTimestamp() != st.Timestamp {
					t.Errorf("ReadQC = %v, %v; want the write just made", got, err)
				}
			}
		})
	}
	wg.Wait()
	c.Stop(0)
	var down *storage.Node
	for _, n := range cfg.Nodes() {
		if n.ID() == c.NodeID(0) {
			down = n
		}
	}
	if _, err := down.Read(ctx, &storage.ReadRequest{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("Read on the stopped server: %v, want Unavailable", err)
	}

	byMethod := make(map[string]MethodStats)
	for _, s := range metrics.Snapshot() {
		byMethod[s.Method] = s
	}
	if len(byMethod) != 3 {
		t.Errorf("methods counted: %v, want Read, ReadQC and WriteQC", byMethod)
	}
	for _, m := range []string{"storage.Storage.WriteQC", "storage.Storage.ReadQC"} {
		s := byMethod[m]
		if s.Calls != callers*calls || s.Failed != 0 || s.Replies < 2*s.Calls || s.Total <= 0 {
			t.Errorf("%s: %+v, want %d calls with at least 2 replies each, none failed", m, s, callers*calls)
		}
	}
	if s := byMethod["storage.Storage.Read"]; s.Calls != 1 || s.Failed != 1 || s.NodeErrors != 1 || s.Replies != 0 {
		t.Errorf("Read on the stopped server: %+v, want 1 call, failed, with 1 node error", s)
	}
}
