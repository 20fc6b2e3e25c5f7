package gorumstest

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums/manager"
	"github.com/quorumcall/gorums/replica"
)

// Replicas is a Cluster whose servers are replicas (package replica) that call each other:
// replica i has the ID NodeID(i), listens at Addr(i), and its configuration holds every
// replica of the cluster. Stop(i) crashes replica i (its manager closes, so its handlers'
// calls fail, and its server stops), Restart(i) starts a new replica i at the same address
// with the same members, and Hang(i) freezes what its clients and peers see of it: their
// connections to it hear nothing until Resume(i), while its own calls, those of handlers
// already running, still go out.
type Replicas struct {
	*Cluster
}

// NewReplicas starts n replicas, each on its own listener (a 127.0.0.1 port or, with
// WithBufconn, memory). setup(i, r) is called for every replica made, before it serves, and
// again for the new replica of Restart(i): register the service on r.Server() there, with
// handlers holding the configuration of r they call the replicas on.
//
//	rs := gorumstest.NewReplicas(t, 3, func(i int, r *replica.Replica) {
//		cfg := paxos.ConfigurationFromRaw(r.Configuration(), qspec)
//		paxos.RegisterPaxosServer(r.Server(), newAcceptor(cfg, disks[i]))
//	})
//
// The replicas' managers dial with insecure transport credentials and the quick Backoff;
// WithReplicaOptions adds options of your own. The replicas stop when the test ends, after
// the managers made later with NewManager(t, rs.Cluster, ...) close. A replica that cannot
// be made fails the test, so call Restart from the test's goroutine.
func NewReplicas(t testing.TB, n int, setup func(i int, r *replica.Replica), opts ...Option) *Replicas {
	t.Helper()
	c := newCluster(t, n, func(c *Cluster, i int) Server { return c.newReplica(i, setup) }, opts)
	return &Replicas{Cluster: c}
}

// newReplica makes replica i of the cluster and hands it to setup.
func (c *Cluster) newReplica(i int, setup func(i int, r *replica.Replica)) *replica.Replica {
	members := make(map[uint32]string, c.Size())
	for j := range c.Size() {
		members[c.NodeID(j)] = c.Addr(j)
	}
	opts := []replica.Option{replica.WithManagerOptions(
		manager.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		manager.WithBackoff(Backoff),
	)}
	if c.opts.bufconn {
		opts = append(opts, replica.WithDialer(c.dial))
	}
	r, err := replica.New(c.NodeID(i), members, append(opts, c.opts.replicaOpts...)...)
	if err != nil {
		c.t.Fatalf("gorumstest: replica %d: %v", i, err)
	}
	made := false
	defer func() { // setup may fail the test: the replica's manager must not outlive it
		if !made {
			r.Stop()
		}
	}()
	setup(i, r)
	made = true
	return r
}

// Replica returns replica i, or nil while it is stopped.
func (rs *Replicas) Replica(i int) *replica.Replica {
	r, _ := rs.Server(i).(*replica.Replica)
	return r
}
