package gorums_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ct "github.com/quorumcall/gorums/internal/calltypes"
)

// TestWrittenForV07 is code as a Gorums v0.7 user writes it, with the names v0.7 exported beyond
// the user guide: TestSetup and ServerIface, dynamic membership with NewRawNode(WithID) and
// AddNode, Close without a result, NodeIDs, Host/Port/FullString, OrderedBy and its orders,
// ConfigurationFromRaw to swap a QuorumSpec, the Async and Correctable fields of the handle
// types, LevelNotSet, the Error type of a QuorumCallError's Errors, and WithNoConnect.
func TestWrittenForV07(t *testing.T) {
	addrs, stop := gorums.TestSetup(t, 3, func(i int) gorums.ServerIface {
		srv := gorums.NewServer()
		ct.RegisterCallTypesServer(srv, ct.NewServer(uint32(i+1), ct.Behavior{}))
		return srv
	})
	defer stop()

	mgr := ct.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(mgr.Close) // Close has no result, as in v0.7

	// Dynamic membership: nodes made first, added one by one.
	for i, addr := range addrs {
		n, err := gorums.NewRawNodeWithID(addr, uint32(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if err := mgr.AddNode(n); err != nil {
			t.Fatal(err)
		}
	}
	if byHash, err := gorums.NewRawNode(addrs[0]); err != nil || mgr.AddNode(byHash) == nil {
		t.Fatalf("a second node for server %s was accepted (%v)", addrs[0], err)
	}
	if ids := mgr.NodeIDs(); !slices.Equal(ids, []uint32{1, 2, 3}) {
		t.Fatalf("NodeIDs = %v", ids)
	}
	cfg, err := mgr.NewConfiguration(ct.QSpec{Q: 2}, gorums.WithNodeIDs(mgr.NodeIDs()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Nodes as v0.7 describes and sorts them.
	raw := make([]*gorums.RawNode, 0, 3)
	for _, n := range cfg.Nodes() {
		if n.Host() != "127.0.0.1" || n.Port() == "" || !strings.Contains(n.FullString(), n.Address()) {
			t.Fatalf("node %d: host %q, port %q, %q", n.ID(), n.Host(), n.Port(), n.FullString())
		}
		raw = append(raw, n.RawNode)
	}
	gorums.OrderedBy(gorums.Port, gorums.ID).Sort(raw)
	for i := 1; i < len(raw); i++ {
		if raw[i-1].Port() > raw[i].Port() {
			t.Fatalf("OrderedBy(Port, ID) left %s before %s", raw[i-1].Port(), raw[i].Port())
		}
	}
	gorums.OrderedBy(gorums.LastNodeError, gorums.ID).Sort(raw)
	if raw[0].ID() != 1 {
		t.Fatalf("with no errors, LastNodeError then ID puts node %d first", raw[0].ID())
	}

	// The handle types' runtime parts, under v0.7's field names.
	var async *gorums.Async[*ct.Response] = cfg.QuorumCallAsync(ctx, &ct.Request{Value: "a"}).Async
	if r, err := async.Get(); err != nil || r.GetPart() != 2 {
		t.Fatalf("async: %v, %v", r, err)
	}
	var corr *gorums.Correctable[*ct.Response] = cfg.Correctable(ctx, &ct.Request{Value: "c", Quorum: 3}).Correctable
	<-corr.Done()
	if _, level, err := corr.Get(); err != nil || level != 3 {
		t.Fatalf("correctable: level %d, %v", level, err)
	}

	// Another QuorumSpec for the same nodes.
	all := ct.ConfigurationFromRaw(cfg.RawConfiguration, ct.QSpec{Q: 3})
	if r, err := all.QuorumCall(ctx, &ct.Request{Value: "q"}); err != nil || r.GetPart() != 3 {
		t.Fatalf("QuorumCall on ConfigurationFromRaw with Q=3: %v, %v", r, err)
	}

	// A call that fails: its QuorumCallError holds gorums.Error values; a correctable call that
	// never got a result is at LevelNotSet.
	stop()
	_, err = all.QuorumCall(ctx, &ct.Request{Value: "down"})
	var qcErr gorums.QuorumCallError
	if !errors.As(err, &qcErr) || len(qcErr.Errors) != 3 {
		t.Fatalf("QuorumCall with the servers stopped: %v", err)
	}
	var first gorums.Error = qcErr.Errors[0]
	if first.NodeID == 0 || first.Cause == nil {
		t.Fatalf("Errors[0] = %+v", first)
	}
	down := all.Correctable(ctx, &ct.Request{Value: "down"})
	<-down.Done()
	if _, level, err := down.Get(); err == nil || level != gorums.LevelNotSet {
		t.Fatalf("correctable with the servers stopped: level %d, %v", level, err)
	}

	// A manager whose nodes never connect still makes configurations.
	offline := ct.NewManager(gorums.WithNoConnect())
	t.Cleanup(offline.Close)
	ocfg, err := offline.NewConfiguration(ct.QSpec{Q: 2}, gorums.WithNodeList(addrs))
	if err != nil || ocfg.Size() != 3 {
		t.Fatalf("WithNoConnect: %v, %v", ocfg, err)
	}
	if _, err := ocfg.Nodes()[0].OrderedRPC(ctx, &ct.Request{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("a request to a node of a WithNoConnect manager: %v, want Unavailable", err)
	}
}
