package abd_test

import (
	"net"
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/examples/register/abd"
	"github.com/quorumcall/gorums/examples/register/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cluster is n replicas, each served by its own gorums.Server on a loopback port.
type cluster struct {
	addrs    []string
	servers  []*gorums.Server
	replicas []*abd.Replica
}

// startCluster starts n replicas; t.Cleanup stops them (stopping a crashed one again is a
// no-op) and waits for their Serve goroutines.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{}
	for range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv, rep := serve(t, lis)
		c.addrs = append(c.addrs, lis.Addr().String())
		c.servers = append(c.servers, srv)
		c.replicas = append(c.replicas, rep)
	}
	return c
}

// serve serves a new, empty replica on lis until t's cleanup.
func serve(t *testing.T, lis net.Listener) (*gorums.Server, *abd.Replica) {
	srv := gorums.NewServer()
	rep := abd.NewReplica()
	proto.RegisterRegisterServer(srv, rep)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-done; err != nil {
			t.Errorf("Serve(%s): %v", lis.Addr(), err)
		}
	})
	return srv, rep
}

// restartEmpty stops replica i and starts a new, empty one at its address: what a replica
// that keeps its state in memory only is after a crash and a restart.
func (c *cluster) restartEmpty(t *testing.T, i int) {
	t.Helper()
	c.servers[i].Stop()
	lis, err := net.Listen("tcp", c.addrs[i])
	if err != nil {
		t.Skipf("cannot listen again on %s: %v", c.addrs[i], err)
	}
	c.servers[i], c.replicas[i] = serve(t, lis)
}

// newManager returns a manager with insecure credentials, closed by t.Cleanup.
func newManager(t *testing.T) *proto.Manager {
	t.Helper()
	mgr := proto.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(func() { _ = mgr.Close() })
	return mgr
}

// newConfig returns a configuration of addrs on mgr with the given QuorumSpec.
func newConfig(t *testing.T, mgr *proto.Manager, qs proto.QuorumSpec, addrs []string) *proto.Configuration {
	t.Helper()
	cfg, err := mgr.NewConfiguration(qs, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
