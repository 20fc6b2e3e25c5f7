package gorumstest_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gorumstest"
	ts "github.com/quorumcall/gorums/internal/testservice"
	"github.com/quorumcall/gorums/replica"
)

// relays count the replicas made for each index, and serve TestService on each: Ordered
// names the incarnation that answered ("i/generation"); Quorum with the value "relay" asks a
// majority of the replicas in turn, through the replica's own configuration, and answers
// with what they said.
type relays struct {
	n   int
	mu  sync.Mutex
	gen map[int]int
}

func (rl *relays) setup(i int, r *replica.Replica) {
	rl.mu.Lock()
	if rl.gen == nil {
		rl.gen = make(map[int]int)
	}
	rl.gen[i]++
	name := fmt.Sprintf("%d/%d", i, rl.gen[i])
	rl.mu.Unlock()
	cfg := ts.ConfigurationFromRaw(r.Configuration(), &ts.QSpec{Q: rl.n/2 + 1})
	ts.RegisterTestServiceServer(r.Server(), ts.Handlers{
		OrderedFunc: func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
			return &ts.Response{Seq: req.GetSeq(), Value: req.GetValue(), Server: name}, nil
		},
		QuorumFunc: func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
			if req.GetValue() != "relay" {
				return &ts.Response{Seq: req.GetSeq(), Value: req.GetValue(), Server: name}, nil
			}
			ctx.Release() // the replicas asked may ask this one on the stream it holds
			inner, err := cfg.Quorum(ctx, &ts.Request{Seq: req.GetSeq(), Value: "asked by " + name})
			if err != nil {
				return nil, err
			}
			return &ts.Response{Seq: req.GetSeq(), Value: inner.GetValue(), Server: name}, nil
		},
	})
}

func (rl *relays) generation(i int) int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.gen[i]
}

func TestReplicasCallEachOther(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		rl := &relays{n: 3}
		rs := gorumstest.NewReplicas(t, 3, rl.setup, opts...)
		ctx := testCtx(t)
		for i := range rs.Size() {
			r := rs.Replica(i)
			if r == nil || r.ID() != rs.NodeID(i) || r.Address() != rs.Addr(i) || r.Configuration().Size() != 3 {
				t.Fatalf("replica %d: %v", i, r)
			}
			// Through its own configuration each replica reaches every replica, itself
			// included, and each of those makes a nested quorum call.
			cfg := ts.ConfigurationFromRaw(r.Configuration(), &ts.QSpec{Q: 3})
			got, err := cfg.Quorum(ctx, &ts.Request{Value: "relay"})
			if err != nil {
				t.Fatalf("replica %d: a relayed quorum call: %v", i, err)
			}
			if !strings.HasPrefix(got.GetValue(), "asked by ") {
				t.Errorf("replica %d: relayed %q, want an answer to a nested call", i, got.GetValue())
			}
		}
		// A client of the replicas reaches them at the cluster's addresses.
		mgr := gorumstest.NewManager(t, rs.Cluster, ts.NewManager)
		client := config(t, mgr, rs.Cluster, 3)
		if _, err := client.Quorum(ctx, &ts.Request{Value: "relay"}); err != nil {
			t.Fatalf("a client's relayed quorum call: %v", err)
		}
	})
}

// TestReplicasCrashAndRestart: with one replica stopped the others' nested calls reach a
// majority; Restart makes a new replica with the same ID, and the others reach it again.
func TestReplicasCrashAndRestart(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		rl := &relays{n: 3}
		rs := gorumstest.NewReplicas(t, 3, rl.setup, opts...)
		ctx := testCtx(t)
		first := ts.ConfigurationFromRaw(rs.Replica(0).Configuration(), &ts.QSpec{Q: 2})

		rs.Stop(2)
		if rs.Replica(2) != nil {
			t.Fatal("Replica(2) is not nil after Stop")
		}
		if _, err := first.Quorum(ctx, &ts.Request{Value: "relay"}); err != nil {
			t.Fatalf("a relayed quorum call with replica 2 down: %v", err)
		}

		rs.Restart(2)
		if rl.generation(2) != 2 {
			t.Fatalf("setup made %d replicas for index 2, want 2", rl.generation(2))
		}
		r2 := rs.Replica(2)
		if r2 == nil || r2.ID() != rs.NodeID(2) {
			t.Fatalf("after Restart(2): %v", r2)
		}
		node := first.Nodes()[slices.Index(first.NodeIDs(), rs.NodeID(2))]
		if got := answerer(t, ctx, node); got != "2/2" {
			t.Fatalf("replica 0 reached %s at replica 2's address, want the new replica 2/2", got)
		}
		// The new replica's own configuration reaches the others and itself.
		all := ts.ConfigurationFromRaw(r2.Configuration(), &ts.QSpec{Q: 3})
		if _, err := all.Quorum(ctx, &ts.Request{Value: "relay"}); err != nil {
			t.Fatalf("the restarted replica's relayed call: %v", err)
		}
	})
}

// TestReplicasHang: a hung replica answers no one; a majority answers the others.
func TestReplicasHang(t *testing.T) {
	modes(t, func(t *testing.T, opts ...gorumstest.Option) {
		rl := &relays{n: 3}
		rs := gorumstest.NewReplicas(t, 3, rl.setup, opts...)
		ctx := testCtx(t)
		rs.Hang(1)
		majority := ts.ConfigurationFromRaw(rs.Replica(0).Configuration(), &ts.QSpec{Q: 2})
		if _, err := majority.Quorum(ctx, &ts.Request{Value: "relay"}); err != nil {
			t.Fatalf("a relayed majority call with replica 1 hung: %v", err)
		}
		rs.Resume(1)
		all := ts.ConfigurationFromRaw(rs.Replica(0).Configuration(), &ts.QSpec{Q: 3})
		if _, err := all.Quorum(ctx, &ts.Request{Value: "plain"}); err != nil {
			t.Fatalf("all three after Resume: %v", err)
		}
	})
}
