package calltypes

import (
	"context"
	"slices"
	"testing"
	"time"
)

// Nodes keep a measured latency, and a configuration can be ordered by it: a node whose replies
// come late sorts last and is left out of the fastest quorum.
func TestSortedByLatencyAndFastest(t *testing.T) {
	const slow = 3
	c := newCluster(t, 3, setup{behavior: func(i int) Behavior {
		if i+1 != slow {
			return Behavior{}
		}
		// Node 3 answers every request 200ms late: a delay to measure, not a synchronisation.
		return Behavior{Before: func(ctx context.Context, _ string, req *Request) error {
			if req.GetValue() == BarrierValue {
				return nil
			}
			select {
			case <-time.After(200 * time.Millisecond):
			case <-ctx.Done():
			}
			return nil
		}}
	}})
	ctx := testCtx(t)
	for range 3 {
		if _, err := c.cfg.QuorumCall(ctx, &Request{Value: "x"}); err != nil { // Q=3: waits for the slow node
			t.Fatal(err)
		}
	}
	sorted := c.cfg.SortedByLatency()
	var ids []uint32
	for _, n := range sorted {
		ids = append(ids, n.ID())
		if n.Latency() <= 0 {
			t.Fatalf("node %d has no latency after three replies", n.ID())
		}
	}
	if ids[len(ids)-1] != slow {
		t.Fatalf("by latency %v (latencies %v, %v, %v): the slow node is not last", ids, sorted[0].Latency(), sorted[1].Latency(), sorted[2].Latency())
	}
	fast, err := c.mgr.NewConfiguration(QSpec{Q: 2}, c.cfg.Fastest(2))
	if err != nil {
		t.Fatal(err)
	}
	if got := fast.NodeIDs(); slices.Contains(got, slow) || len(got) != 2 {
		t.Fatalf("Fastest(2) = %v", got)
	}
	if _, err := c.mgr.NewConfiguration(QSpec{Q: 2}, c.cfg.Fastest(0)); err == nil {
		t.Fatal("Fastest(0) made a configuration")
	}
}

// A node slower than every quorum still shows as slow: its replies come after the calls ended,
// and are dropped, but measured.
func TestSlowerThanQuorumShowsInLatency(t *testing.T) {
	const slow = 3
	c := newCluster(t, 3, setup{behavior: func(i int) Behavior {
		if i+1 != slow {
			return Behavior{}
		}
		// Node 3 answers every request 100ms late: a delay to measure, not a synchronisation.
		return Behavior{Before: func(ctx context.Context, _ string, req *Request) error {
			if req.GetValue() == BarrierValue {
				return nil
			}
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
			}
			return nil
		}}
	}})
	ctx := testCtx(t)
	for range 3 {
		if _, err := c.cfg.QuorumCall(ctx, &Request{Value: "x", Quorum: 2}); err != nil { // the fast two
			t.Fatal(err)
		}
	}
	slowNode := c.nodes[slow-1]
	deadline := time.Now().Add(failsafe)
	for slowNode.Latency() < 100*time.Millisecond { // its late replies come in
		if time.Now().After(deadline) {
			t.Fatalf("the slow node's latency is %v after its late replies", slowNode.Latency())
		}
		time.Sleep(time.Millisecond)
	}
	sorted := c.cfg.SortedByLatency()
	if sorted[len(sorted)-1].ID() != slow {
		t.Fatalf("by latency %d, %d, %d: the node slower than every quorum is not last", sorted[0].ID(), sorted[1].ID(), sorted[2].ID())
	}
}
