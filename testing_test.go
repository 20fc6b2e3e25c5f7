package gorums_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

func TestTestSetup(t *testing.T) {
	var made []int
	addrs, stop := gorums.TestSetup(t, 3, func(i int) gorums.ServerIface {
		made = append(made, i)
		srv := gorums.NewServer()
		ts.RegisterTestServiceServer(srv, ts.Both(func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
			return &ts.Response{Value: req.GetValue(), Server: fmt.Sprint(i)}, nil
		}))
		return srv
	})
	if fmt.Sprint(made) != "[0 1 2]" {
		t.Errorf("srvFn was called with %v, want 0, 1, 2", made)
	}
	if len(addrs) != 3 || addrs[0] == addrs[1] || addrs[1] == addrs[2] || addrs[0] == addrs[2] {
		t.Fatalf("addresses %v, want 3 distinct", addrs)
	}

	mgr := ts.NewTestManager(t)
	cfg := ts.NewConfig(t, mgr, 3, addrs)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r, err := cfg.Quorum(ctx, &ts.Request{Value: "v"}); err != nil || r.GetValue() != "v" {
		t.Fatalf("Quorum on the 3 servers = %v, %v", r, err)
	}
	for _, n := range cfg.Nodes() {
		r, err := n.Ordered(ctx, &ts.Request{})
		if err != nil || addrs[mustAtoi(t, r.GetServer())] != n.Address() {
			t.Errorf("%v answered %v, %v; want the server made for its address", n, r, err)
		}
	}

	stop()
	stop() // a second stop does nothing
	for _, n := range cfg.Nodes() {
		if _, err := n.Ordered(ctx, &ts.Request{}); status.Code(err) != codes.Unavailable {
			t.Errorf("%v after stop: %v, want Unavailable", n, err)
		}
	}
}

// TestTestSetupGRPCServer: a plain *grpc.Server is a ServerIface too, as in v0.7.
func TestTestSetupGRPCServer(t *testing.T) {
	addrs, stop := gorums.TestSetup(t, 1, func(int) gorums.ServerIface {
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		return srv
	})
	defer stop()
	conn, err := grpc.NewClient(addrs[0], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health check = %v, %v", r, err)
	}
}

// TestTestSetupWithoutStop: servers whose stop function is never called stop at the end of
// the test (goleak, run after every test, finds nothing).
func TestTestSetupWithoutStop(t *testing.T) {
	addrs, _ := gorums.TestSetup(t, 2, func(int) gorums.ServerIface {
		srv := gorums.NewServer()
		ts.RegisterTestServiceServer(srv, ts.Handlers{})
		return srv
	})
	mgr := ts.NewTestManager(t)
	cfg := ts.NewConfig(t, mgr, 2, addrs)
	if _, err := cfg.Quorum(ts.Ctx(t, 0), &ts.Request{}); err != nil {
		t.Fatal(err)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var i int
	if _, err := fmt.Sscan(s, &i); err != nil {
		t.Fatalf("%q is not a server index", s)
	}
	return i
}
