package gorumsexample

import (
	"context"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func startServers(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := gorums.NewServer()
		RegisterQCStorageServer(srv, &storageSrv{state: &State{}})
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)
		addrs[i] = lis.Addr().String()
	}
	return addrs
}

func newManager(t *testing.T) *Manager {
	mgr := NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(func() { _ = mgr.Close() })
	return mgr
}

func TestQuorumWriteRead(t *testing.T) {
	addrs := startServers(t, 3)
	mgr := newManager(t)
	cfg, err := mgr.NewConfiguration(&QSpec{2}, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := cfg.Write(ctx, &State{Value: "42", Timestamp: 1})
	if err != nil || !w.New {
		t.Fatalf("Write = %v, %v", w, err)
	}
	r, err := cfg.Read(ctx, &ReadRequest{})
	if err != nil || r.Value != "42" {
		t.Fatalf("Read = %v, %v", r, err)
	}
}
