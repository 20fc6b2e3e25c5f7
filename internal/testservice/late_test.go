package testservice

import (
	"context"
	"errors"
	"testing"

	"github.com/quorumcall/gorums/internal/probe"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
)

// TestLateRepliesDropped: a quorum of one returns while two servers are still in their
// handlers; their replies come later and are dropped, leaving no pending entry behind, and the
// streams go on working.
func TestLateRepliesDropped(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 16)
	slow := Handlers{QuorumFunc: func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		if req.GetValue() == "slow" {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return Echo(req), nil
	}}
	_, addrs := StartN(t, 3, func(i int) TestService {
		if i == 0 {
			return Handlers{}
		}
		return slow
	})
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, addrs)
	ctx, cancel := callCtx()
	defer cancel()
	for seq := uint64(1); seq <= 5; seq++ {
		if _, err := cfg.Quorum(ctx, &Request{Seq: seq, Value: "slow"}); err != nil {
			t.Fatal(err)
		}
	}
	<-started // a slow handler is running on each slow server: late replies are to come
	<-started
	close(release)
	// The late replies arrive and are dropped; the streams still carry new calls. Replies of
	// one stream arrive in order (no handler released), so once this call has every reply,
	// every late reply has come too and no pending entry may remain.
	all, err := mgr.NewConfiguration(&QSpec{Q: 3}, gorums.WithNodeIDs(cfg.NodeIDs()))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := all.Quorum(ctx, &Request{Seq: 99}); err != nil || resp.GetSeq() != 99 {
		t.Fatalf("Quorum after late replies = %v, %v", resp, err)
	}
	for _, n := range cfg.Nodes() {
		if p := probe.PendingCount(n.RawNode); p != 0 {
			t.Errorf("node %d has %d pending entries at the end", n.ID(), p)
		}
	}
}

// TestOrderedCanceled: an ordered RPC whose context ends while its handler runs returns the
// context's error with the matching code; the late reply is dropped and the stream lives on.
func TestOrderedCanceled(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	srv := Start(t, Handlers{OrderedFunc: func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		if req.GetValue() == "block" {
			started <- struct{}{}
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return Echo(req), nil
	}})
	mgr := NewTestManager(t)
	node := NewConfig(t, mgr, 1, []string{srv.Addr}).Nodes()[0]

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := node.Ordered(ctx, &Request{Value: "block"})
		done <- err
	}()
	<-started
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) || status.Code(err) != codes.Canceled {
		t.Fatalf("canceled Ordered = %v (code %v), want context.Canceled / codes.Canceled", err, status.Code(err))
	}
	if p := probe.PendingCount(node.RawNode); p != 0 {
		t.Errorf("%d pending entries after the canceled call", p)
	}
	close(release)
	ctx2, cancel2 := callCtx()
	defer cancel2()
	if resp, err := node.Ordered(ctx2, &Request{Seq: 3}); err != nil || resp.GetSeq() != 3 {
		t.Fatalf("Ordered after a canceled call = %v, %v", resp, err)
	}
}

// TestMetadataReachesHandlers: the manager's stream metadata and a call's outgoing metadata
// reach the handler through metadata.FromIncomingContext.
func TestMetadataReachesHandlers(t *testing.T) {
	h := func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		get := func(k string) string {
			if v := md.Get(k); len(v) > 0 {
				return v[0]
			}
			return ""
		}
		return &Response{Seq: req.GetSeq(), Value: get("stream-key") + "/" + get("call-key")}, nil
	}
	_, addrs := StartN(t, 2, func(int) TestService { return Both(h) })
	mgr := NewTestManager(t, gorums.WithMetadata(metadata.Pairs("stream-key", "s")))
	cfg := NewConfig(t, mgr, 2, addrs)
	ctx, cancel := callCtx()
	defer cancel()
	callCtx := metadata.AppendToOutgoingContext(ctx, "call-key", "c")
	if resp, err := cfg.Quorum(callCtx, &Request{}); err != nil || resp.GetValue() != "s/c" {
		t.Fatalf("Quorum with metadata = %v, %v; want value s/c", resp, err)
	}
	if resp, err := cfg.Nodes()[1].Ordered(callCtx, &Request{}); err != nil || resp.GetValue() != "s/c" {
		t.Fatalf("Ordered with metadata = %v, %v; want value s/c", resp, err)
	}
	if resp, err := cfg.Nodes()[0].Ordered(ctx, &Request{}); err != nil || resp.GetValue() != "s/" {
		t.Fatalf("Ordered without call metadata = %v, %v; want value s/", resp, err)
	}
}
