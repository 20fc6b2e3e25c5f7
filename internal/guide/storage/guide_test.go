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

// ExampleStorageServer and ExampleStorageClient are compiled with the package but not run:
// they use fixed ports. The tests below run the same flows on loopback listeners.
var _ = []any{ExampleStorageServer, ExampleStorageClient}

// startServers starts n guide servers (storageSrv registered with RegisterStorageServer) on
// 127.0.0.1 ports; they stop at test cleanup.
func startServers(t *testing.T, n int) []string {
	t.Helper()
	return gorumstest.NewCluster(t, n, func(int) gorumstest.Server {
		gorumsSrv := gorums.NewServer()
		RegisterStorageServer(gorumsSrv, &storageSrv{state: &State{}})
		return gorumsSrv
	}).Addrs()
}

// TestGuideFirstClient runs the guide's first client: Write on each node of a three-node
// configuration, then Read on each node returns the value; an older timestamp is not new.
func TestGuideFirstClient(t *testing.T) {
	addrs := startServers(t, 3)
	mgr := NewManager(
		gorums.WithGrpcDialOptions(
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		),
	)
	t.Cleanup(mgr.Close)
	// Create a configuration including all nodes
	allNodesConfig, err := mgr.NewConfiguration(gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal("error creating read config:", err)
	}
	if allNodesConfig.Size() != 3 || len(allNodesConfig.Nodes()) != 3 {
		t.Fatalf("configuration has %d nodes, want 3", allNodesConfig.Size())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	state := &State{
		Value:     "42",
		Timestamp: time.Now().Unix(),
	}
	// Invoke Write RPC on all nodes in config
	for _, node := range allNodesConfig.Nodes() {
		reply, err := node.Write(ctx, state)
		if err != nil {
			t.Fatalf("Write on %s: %v", node.Address(), err)
		}
		if !reply.New {
			t.Errorf("Write on %s: state was not new", node.Address())
		}
	}
	for _, node := range allNodesConfig.Nodes() {
		got, err := node.Read(ctx, &ReadRequest{})
		if err != nil {
			t.Fatalf("Read on %s: %v", node.Address(), err)
		}
		if got.GetValue() != "42" || got.GetTimestamp() != state.Timestamp {
			t.Errorf("Read on %s = %v, want %v", node.Address(), got, state)
		}
	}
	older := &State{Value: "41", Timestamp: state.Timestamp - 1}
	for _, node := range allNodesConfig.Nodes() {
		reply, err := node.Write(ctx, older)
		if err != nil {
			t.Fatalf("Write(older) on %s: %v", node.Address(), err)
		}
		if reply.New {
			t.Errorf("Write(older) on %s: New = true, want false", node.Address())
		}
		got, err := node.Read(ctx, &ReadRequest{})
		if err != nil || got.GetValue() != "42" {
			t.Errorf("Read on %s after an older Write = %v, %v; want the value 42 kept", node.Address(), got, err)
		}
	}
}
