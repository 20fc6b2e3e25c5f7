package gorums

import (
	"context"
	"net"

	"go.uber.org/zap"

	"github.com/quorumcall/gorums/replica"
)

// Replicas that serve and call each other; see package replica.
type (
	// Replica is one member of a group of replicas that serve a service and call each other:
	// a Server, a manager and the configuration of every member, its own node served in
	// memory; see replica.Replica.
	Replica = replica.Replica
	// ReplicaOption configures a Replica.
	ReplicaOption = replica.Option
)

// ErrReplicaStopped is returned by Start on a stopped replica.
var ErrReplicaStopped = replica.ErrStopped

// NewReplica returns replica id of the group members, which maps every replica's ID, id
// included, to the address at which the others reach it; see replica.New. Register the
// service on its Server(), give its Configuration() the quorum functions with the generated
// ConfigurationFromRaw, then Start it:
//
//	r, err := gorums.NewReplica(id, members, gorums.WithReplicaManagerOptions(
//		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))))
//	cfg := paxos.ConfigurationFromRaw(r.Configuration(), qspec)
//	paxos.RegisterPaxosServer(r.Server(), &acceptor{cfg: cfg})
//	err = r.Start()
//	defer r.Stop()
func NewReplica(id uint32, members map[uint32]string, opts ...ReplicaOption) (*Replica, error) {
	return replica.New(id, members, opts...)
}

// WithListenAddress makes a replica's Start listen on addr (such as ":9000") instead of its
// address in the members map.
func WithListenAddress(addr string) ReplicaOption { return replica.WithListenAddress(addr) }

// WithPeerDialer sets how a replica connects to its peers (default: TCP); its own node
// always reaches its own server in memory.
func WithPeerDialer(dial func(ctx context.Context, addr string) (net.Conn, error)) ReplicaOption {
	return replica.WithDialer(dial)
}

// WithReplicaLogger sets the logger of a replica, its manager and its server.
func WithReplicaLogger(l *zap.Logger) ReplicaOption { return replica.WithLogger(l) }

// WithReplicaManagerOptions adds options of a replica's manager, such as the transport
// credentials every manager needs and client interceptors.
func WithReplicaManagerOptions(opts ...ManagerOption) ReplicaOption {
	return replica.WithManagerOptions(opts...)
}

// WithReplicaServerOptions adds options of a replica's server, such as server interceptors.
func WithReplicaServerOptions(opts ...ServerOption) ReplicaOption {
	return replica.WithServerOptions(opts...)
}
