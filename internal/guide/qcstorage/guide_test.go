package gorumsexample

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gorumstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServers starts n guide servers (storageSrv registered with RegisterQCStorageServer) on
// 127.0.0.1 ports; they stop at test cleanup.
func startServers(t *testing.T, n int) []string {
	t.Helper()
	return gorumstest.NewCluster(t, n, func(int) gorumstest.Server {
		gorumsSrv := gorums.NewServer()
		RegisterQCStorageServer(gorumsSrv, &storageSrv{state: &State{}})
		return gorumsSrv
	}).Addrs()
}

func newManager(t *testing.T) *Manager {
	mgr := NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(mgr.Close)
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
