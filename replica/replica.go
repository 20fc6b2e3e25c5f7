package replica

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/test/bufconn"

	"github.com/quorumcall/gorums/configuration"
	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/manager"
	"github.com/quorumcall/gorums/server"
)

// ErrStopped is returned by Start on a replica that was stopped: a stopped replica does not
// serve again (make a new one, as a restarted process would).
var ErrStopped = errors.New("gorums: the replica is stopped")

// Replica is one member of a group of replicas that serve a Gorums service and call each
// other: a Server, a Manager and the Configuration of every member, in which the replica's
// own node reaches its own server in memory. Make one with New. Its methods are safe for
// concurrent use.
type Replica struct {
	id      uint32
	addr    string            // the replica's address in members, as its peers reach it
	members map[uint32]string // never modified after New
	opts    options
	log     *zap.Logger

	srv   *server.Server
	mgr   *manager.Manager
	all   configuration.Configuration
	peers configuration.Configuration
	self  *bufconn.Listener // the replica's own node dials it; the server serves it
	// selfAddrs are the forms in which gRPC may hand the dialer the replica's own address:
	// as given, resolved, and each address its host name resolves to.
	selfAddrs map[string]bool

	mu          sync.Mutex
	selfServing bool // the server serves self; set once
	stopped     bool
	wg          sync.WaitGroup // the goroutines serving self and Start's listener
}

// New returns replica id of the group members, which maps every replica's ID, this one's
// included, to the address ("host:port") at which the others reach it. Every replica of a
// group is made with the same members. New starts no server: register the service on
// Server(), then Start or Serve.
//
// Its configuration, Configuration(), holds a node for every member with the member's ID.
// The nodes connect in the background, so New succeeds while peers are down; calls to a
// peer that is down fail with Unavailable until it is up. The replica's own node reaches its
// own server in memory, once the replica serves.
//
// The manager holds one node per server, so two members at one address (or at two
// addresses of one server) are refused, as is an id that members lacks.
func New(id uint32, members map[uint32]string, opts ...Option) (*Replica, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	addr, ok := members[id]
	if !ok {
		return nil, &replicaError{id: id, err: fmt.Errorf("not among the members %v", slices.Sorted(maps.Keys(members)))}
	}
	nodeMap := make(map[string]uint32, len(members))
	for _, mid := range slices.Sorted(maps.Keys(members)) {
		a := members[mid]
		if other, dup := nodeMap[a]; dup {
			return nil, &replicaError{id: id, err: fmt.Errorf("members %d and %d have the same address %q; one server counts once", other, mid, a)}
		}
		nodeMap[a] = mid
	}
	_, resolved, err := manager.NodeID(addr)
	if err != nil {
		return nil, &replicaError{id: id, err: err}
	}
	r := &Replica{
		id: id, addr: addr, members: maps.Clone(members), opts: o,
		log:       o.logger.With(logfield.NodeID(id)),
		self:      bufconn.Listen(o.selfBuffer),
		selfAddrs: selfAddresses(addr, resolved),
	}
	r.srv = server.New(append([]server.Option{server.WithLogger(o.logger)}, o.serverOpts...)...)
	mopts := append([]manager.Option{manager.WithLogger(o.logger)}, o.managerOpts...)
	// Last, so that they win: the dialer routes the replica's own address to its server in
	// memory, and no dial timeout, as the replicas start one by one.
	mopts = append(mopts, manager.WithDialTimeout(0), manager.WithGrpcDialOptions(grpc.WithContextDialer(r.dial)))
	r.mgr = manager.New(mopts...)
	if r.all, err = configuration.New(r.mgr, configuration.WithNodeMap(nodeMap)); err == nil {
		r.peers, err = configuration.New(r.mgr, r.all.WithoutNodes(id))
	}
	if err != nil {
		r.mgr.Close()
		r.srv.Stop()
		_ = r.self.Close()
		return nil, &replicaError{id: id, err: err}
	}
	return r, nil
}

// replicaError is an error of New, Start or Serve, naming the replica.
type replicaError struct {
	id  uint32
	err error
}

func (e *replicaError) Error() string {
	return fmt.Sprintf("gorums: replica %d: %s", e.id, strings.TrimPrefix(e.err.Error(), "gorums: "))
}

func (e *replicaError) Unwrap() error { return e.err }

// selfLookupTimeout bounds the name lookup of the replica's own host in New.
const selfLookupTimeout = 5 * time.Second

// selfAddresses returns the addresses in which gRPC's resolver may hand the dialer addr: as
// given, resolved, and, for a host name, each of its addresses.
func selfAddresses(addr, resolved string) map[string]bool {
	out := map[string]bool{addr: true, resolved: true}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || net.ParseIP(host) != nil {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), selfLookupTimeout)
	defer cancel()
	ips, _ := net.DefaultResolver.LookupHost(ctx, host)
	for _, ip := range ips {
		out[net.JoinHostPort(ip, port)] = true
	}
	return out
}

// dial is the manager's context dialer: the replica's own address in memory, the others with
// the Dialer of the options.
func (r *Replica) dial(ctx context.Context, addr string) (net.Conn, error) {
	if r.selfAddrs[addr] {
		return r.self.DialContext(ctx)
	}
	return r.opts.dialer(ctx, addr)
}

// ID returns the replica's ID.
func (r *Replica) ID() uint32 { return r.id }

// Address returns the replica's address in the members map: where its peers reach it.
func (r *Replica) Address() string { return r.addr }

// Members returns a copy of the members map the replica was made with.
func (r *Replica) Members() map[uint32]string { return maps.Clone(r.members) }

// Server returns the replica's server. Register the service on it before Start or Serve:
//
//	storage.RegisterStorageServer(r.Server(), impl)
func (r *Replica) Server() *server.Server { return r.srv }

// Manager returns the manager that holds the replica's nodes, one per member. Make other
// configurations of the members on it (a generated Manager wraps it:
// &storage.Manager{RawManager: r.Manager()}). The replica closes it when it stops.
func (r *Replica) Manager() *manager.Manager { return r.mgr }

// Configuration returns the configuration of every member, this replica's own node
// included. Give it the service's quorum functions with the generated ConfigurationFromRaw:
//
//	cfg := storage.ConfigurationFromRaw(r.Configuration(), qspec)
func (r *Replica) Configuration() configuration.Configuration { return r.all }

// Peers returns the configuration of every member but this replica (empty for a group of
// one).
func (r *Replica) Peers() configuration.Configuration { return r.peers }

// Self returns the replica's own node in its configuration, which reaches its own server in
// memory.
func (r *Replica) Self() *manager.Node {
	n, _ := r.mgr.Node(r.id)
	return n
}

// Start listens on the replica's address (or WithListenAddress) and serves there in the
// background until Stop or GracefulStop. It fails if the replica cannot listen or was stopped.
func (r *Replica) Start() error {
	addr := r.opts.listenAddr
	if addr == "" {
		addr = r.addr
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return &replicaError{id: r.id, err: err}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		_ = lis.Close()
		return ErrStopped
	}
	r.wg.Go(func() {
		if err := r.Serve(lis); err != nil {
			r.log.Error("replica stopped serving", logfield.Error(err))
		}
	})
	return nil
}

// Serve serves the replica's peers on lis, and its own node in memory, until Stop or
// GracefulStop; it then returns nil, as Server.Serve does. Use it instead of Start to serve
// on a listener of your own. On a stopped replica it closes lis and returns nil at once.
func (r *Replica) Serve(lis net.Listener) error {
	if !r.serveSelf() {
		_ = lis.Close()
		return nil
	}
	r.log.Info("replica serving", logfield.Addr(lis.Addr().String()))
	if err := r.srv.Serve(lis); err != nil {
		return &replicaError{id: r.id, err: err}
	}
	return nil
}

// serveSelf starts serving the in-memory listener of the replica's own node, once. It
// reports false if the replica was stopped.
func (r *Replica) serveSelf() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	if !r.selfServing {
		r.selfServing = true
		r.wg.Go(func() { _ = r.srv.Serve(r.self) }) // ends with the server
	}
	return true
}

// Stop stops the replica at once, as a crash would: it closes its manager, so the calls its
// handlers make fail with Unavailable, then stops its server, which ends every stream and
// waits for the handlers to return. It waits for everything the replica started. Stopping a
// stopped replica does nothing.
func (r *Replica) Stop() { r.stop(false) }

// GracefulStop stops the replica: its server stops taking requests and lets running
// handlers finish (their calls to other replicas still work; the replica's own node counts
// as failed in them, since its server takes no new requests) and their replies go out, as
// Server.GracefulStop does, bounded by the server's WithGracefulStopTimeout; then it closes
// the manager and waits as Stop does.
func (r *Replica) GracefulStop() { r.stop(true) }

func (r *Replica) stop(graceful bool) {
	r.mu.Lock()
	first := !r.stopped
	r.stopped = true
	r.mu.Unlock()
	if graceful {
		r.srv.GracefulStop()
		r.mgr.Close()
	} else {
		r.mgr.Close()
		r.srv.Stop()
	}
	_ = r.self.Close() // if it was never served
	r.wg.Wait()
	if first {
		r.log.Info("replica stopped")
	}
}
