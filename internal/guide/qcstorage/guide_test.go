package gorumsexample

import (
	"context"
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
		addrs[i] = serveImpl(t, &storageSrv{state: &State{}})
	}
	return addrs
}

func newManager(t *testing.T) *Manager {
	mgr := NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(func() { mgr.Close() })
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
