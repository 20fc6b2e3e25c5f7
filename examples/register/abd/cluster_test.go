package abd_test

import (
	"testing"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/examples/register/abd"
	"github.com/quorumcall/gorums/examples/register/proto"
	"github.com/quorumcall/gorums/gorumstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// cluster is n replicas, each served by its own gorums.Server on a loopback port.
type cluster struct {
	*gorumstest.Cluster
	addrs    []string
	replicas []*abd.Replica // the replica each server serves; a restart replaces it
}

// startCluster starts n replicas; they stop at test cleanup.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	c := &cluster{replicas: make([]*abd.Replica, n)}
	c.Cluster = gorumstest.NewCluster(t, n, func(i int) gorumstest.Server {
		srv := gorums.NewServer()
		c.replicas[i] = abd.NewReplica()
		proto.RegisterRegisterServer(srv, c.replicas[i])
		return srv
	})
	c.addrs = c.Addrs()
	return c
}

// restartEmpty stops replica i and starts a new, empty one at its address: what a replica
// that keeps its state in memory only is after a crash and a restart.
func (c *cluster) restartEmpty(i int) { c.Restart(i) }

// newManager returns a manager with insecure credentials, closed by t.Cleanup.
func newManager(t *testing.T) *proto.Manager {
	t.Helper()
	mgr := proto.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(func() { mgr.Close() })
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
