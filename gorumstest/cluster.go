package gorumstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/quorumcall/gorums/configuration"
	"github.com/quorumcall/gorums/manager"
)

// Server is what a cluster runs: a *gorums.Server, or anything else that serves a listener
// until it is stopped (a *grpc.Server does too).
type Server interface {
	Serve(net.Listener) error
	Stop()
}

// Cluster is a set of servers running in the test's process, each at an address that stays
// the same when the server is stopped and restarted. Make one with NewCluster; its servers
// stop when the test ends. Its methods are safe for concurrent use; Restart fails the test
// if it cannot listen, so call it from the test's goroutine.
type Cluster struct {
	t         testing.TB
	opts      options
	newServer func(c *Cluster, i int) Server
	addrs     []string // fixed at creation

	mu      sync.Mutex
	members []*member // guarded by mu; what a member points to is replaced, never changed in place
	// clients are the managers made with NewManager, whose nodes Stop waits to see a stopped
	// server go (guarded by mu).
	clients []func(id uint32) (*manager.Node, bool)
}

// member is server i's slot. Its fields are guarded by the cluster's mu; the gate is shared
// with the connections of the member's listener.
type member struct {
	op     sync.Mutex // held by Stop and Restart, so that they take turns on one member
	gate   *gate
	srv    Server            // nil while stopped
	served chan struct{}     // closed when srv's Serve has returned
	err    *error            // Serve's error, readable once served is closed
	mem    *bufconn.Listener // the in-memory listener, for the dialer; nil while stopped or on TCP
	lis    *gatedListener    // the running server's listener; nil while stopped
}

// NewCluster starts n servers made by newServer(i), each on its own listener: a new
// 127.0.0.1 port, or an in-memory listener with WithBufconn. Register your service on the
// server newServer returns; newServer is called again, with the same i, by Restart(i).
// The servers stop when the test ends, after the cleanups registered later (managers made
// with NewManager after the cluster are closed first).
func NewCluster(t testing.TB, n int, newServer func(i int) Server, opts ...Option) *Cluster {
	t.Helper()
	return newCluster(t, n, func(_ *Cluster, i int) Server { return newServer(i) }, opts)
}

// newCluster starts n servers made by newServer. Every server listens before the first is
// made, so that newServer may hand each server the addresses of all (as replicas need).
func newCluster(t testing.TB, n int, newServer func(c *Cluster, i int) Server, opts []Option) *Cluster {
	t.Helper()
	c := &Cluster{t: t, opts: defaultOptions(), newServer: newServer}
	for _, o := range opts {
		o.apply(&c.opts)
	}
	t.Cleanup(c.stopAll)
	listeners := make([]net.Listener, n)
	for i := range n {
		lis, addr, err := c.listen("127.0.0.1:0")
		if err != nil {
			for _, l := range listeners[:i] {
				_ = l.Close()
			}
			t.Fatalf("gorumstest: server %d: %v", i, err)
		}
		listeners[i] = lis
		c.addrs = append(c.addrs, addr)
		m := &member{gate: newGate()}
		// An in-memory server can be dialed as soon as it listens, as a loopback one can:
		// the servers made first connect to the later ones, which accept once they serve.
		m.mem, _ = lis.(*bufconn.Listener)
		c.mu.Lock()
		c.members = append(c.members, m)
		c.mu.Unlock()
	}
	served := 0
	defer func() { // newServer may fail the test: close the listeners not served
		for _, l := range listeners[served:] {
			_ = l.Close()
		}
	}()
	for i, lis := range listeners {
		c.mu.Lock()
		m := c.members[i]
		c.mu.Unlock()
		c.serve(i, m, lis)
		served = i + 1
	}
	return c
}

// placeholder numbers the in-memory servers of this process, so that each has its own
// address.
var placeholder atomic.Uint32

// listen returns a new listener for a server at addr ("127.0.0.1:0" for a new one) and the
// address clients reach it at.
func (c *Cluster) listen(addr string) (net.Listener, string, error) {
	if c.opts.bufconn {
		if addr == "127.0.0.1:0" {
			// 192.0.2.0/24 is reserved for documentation (RFC 5737): no real server is there,
			// and the address still resolves, as node IDs require.
			k := placeholder.Add(1) - 1
			addr = fmt.Sprintf("192.0.2.%d:%d", 1+k/65535%254, 1+k%65535)
		}
		return bufconn.Listen(c.opts.bufconnSize), addr, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	return lis, lis.Addr().String(), nil
}

// serve starts server i on lis.
func (c *Cluster) serve(i int, m *member, lis net.Listener) {
	srv := c.newServer(c, i)
	tcpAddr, _ := net.ResolveTCPAddr("tcp", c.addrs[i])
	gl := &gatedListener{Listener: lis, gate: m.gate, addr: tcpAddr}
	served := make(chan struct{})
	var serveErr error
	c.mu.Lock()
	m.srv, m.served, m.err, m.lis = srv, served, &serveErr, gl
	m.mem, _ = lis.(*bufconn.Listener)
	c.mu.Unlock()
	go func() {
		defer close(served)
		serveErr = srv.Serve(gl)
	}()
}

// Size returns the number of servers, running or not.
func (c *Cluster) Size() int { return len(c.addrs) }

// Addrs returns the servers' addresses, in the order of their indexes.
func (c *Cluster) Addrs() []string { return append([]string(nil), c.addrs...) }

// Addr returns server i's address.
func (c *Cluster) Addr(i int) string { return c.addrs[i] }

// NodeID returns the ID that gorums.WithNodeList gives server i.
func (c *Cluster) NodeID(i int) uint32 {
	id, _, err := manager.NodeID(c.addrs[i])
	if err != nil {
		panic(fmt.Sprintf("gorumstest: the address %s does not resolve: %v", c.addrs[i], err))
	}
	return id
}

// NodeList returns the node list option of every server, gorums.WithNodeList(c.Addrs()),
// for a generated NewConfiguration.
func (c *Cluster) NodeList() configuration.NodeListOption {
	return configuration.WithNodeList(c.Addrs())
}

// DialOptions returns the gRPC dial options that reach the servers: insecure transport
// credentials and, with WithBufconn, the in-memory dialer.
func (c *Cluster) DialOptions() []grpc.DialOption {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if c.opts.bufconn {
		opts = append(opts, grpc.WithContextDialer(c.dial))
	}
	return opts
}

// ManagerOptions returns the manager options a client of the cluster needs: its
// DialOptions and the quick reconnect Backoff, so that a restarted server is used again
// within milliseconds.
func (c *Cluster) ManagerOptions() []manager.Option {
	return []manager.Option{manager.WithGrpcDialOptions(c.DialOptions()...), manager.WithBackoff(Backoff)}
}

// dial connects to the in-memory server at addr. Addresses that are not the cluster's are
// dialed on the real network, so one manager can reach this cluster and others.
func (c *Cluster) dial(ctx context.Context, addr string) (net.Conn, error) {
	c.mu.Lock()
	var mem *bufconn.Listener
	known := false
	for i, a := range c.addrs {
		if a == addr {
			known, mem = true, c.members[i].mem
		}
	}
	c.mu.Unlock()
	switch {
	case !known:
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	case mem == nil:
		return nil, fmt.Errorf("gorumstest: connect to %s: the server is stopped", addr)
	}
	return mem.DialContext(ctx)
}

// Server returns server i, or nil while it is stopped.
func (c *Cluster) Server(i int) Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[i].srv
}

// Stop stops server i at once, as a crash would: its connections close and calls to it
// fail. Stopping a stopped server does nothing. It waits for the server's Serve to return,
// and for the managers made with NewManager to see the server gone: their node for it
// (the one of ID NodeID(i)) is no longer connected when Stop returns, so that after a
// Restart, Node.WaitConnected waits for the new server.
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	m := c.members[i]
	c.mu.Unlock()
	m.op.Lock()
	defer m.op.Unlock()
	c.stop(i, m)
}

// stop is Stop, with m.op held.
func (c *Cluster) stop(i int, m *member) {
	c.mu.Lock()
	srv, served, errp, lis := m.srv, m.served, m.err, m.lis
	m.srv, m.mem, m.lis = nil, nil, nil
	c.mu.Unlock()
	if srv == nil {
		return
	}
	lis.stop() // first, as a crash does: a hung server's handshakes wait on its connections
	srv.Stop()
	<-served
	if err := *errp; err != nil && !errors.Is(err, net.ErrClosed) {
		c.t.Errorf("gorumstest: server %d (%s): Serve: %v", i, c.addrs[i], err)
	}
	c.mu.Lock()
	clients := slices.Clone(c.clients)
	c.mu.Unlock()
	// The connections are closed; the clients' streams end as soon as their receivers read
	// that. Bounded, for a client that is itself stuck.
	deadline := time.Now().Add(DefaultRestartTimeout)
	for _, node := range clients {
		n, ok := node(c.NodeID(i))
		for ok && n.Connected() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
}

// Restart stops server i if it runs, then starts a new one, made by newServer(i), at the
// same address and not hung. On loopback it retries listening until DefaultRestartTimeout
// while the old server's port is still held, and fails the test if the port stays taken.
// Restarts and stops of one server take turns.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.mu.Lock()
	m := c.members[i]
	c.mu.Unlock()
	m.op.Lock()
	defer m.op.Unlock()
	c.stop(i, m)
	m.gate.reopen()
	deadline := time.Now().Add(DefaultRestartTimeout)
	for {
		lis, _, err := c.listen(c.addrs[i])
		if err == nil {
			c.serve(i, m, lis)
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("gorumstest: restart server %d: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond) // the port is held by the old server's closing sockets
	}
}

// Hang freezes server i as a stopped process would be: its connections stay open, but it
// reads and sends nothing, so calls to it get no reply until Resume(i), Stop(i) or
// Restart(i). New connections are accepted and hang the same way.
func (c *Cluster) Hang(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.members[i].gate.shut()
}

// Resume lets a hung server i go on: what it read while hung is delivered, and what it
// sends goes out. Resuming a server that does not hang does nothing.
func (c *Cluster) Resume(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.members[i].gate.reopen()
}

// stopAll stops every server; the cluster's cleanup.
func (c *Cluster) stopAll() {
	for i := range c.Size() {
		c.Stop(i)
	}
}

// NewManager returns a manager made by newManager (a generated NewManager, or
// gorums.NewRawManager) with the cluster's ManagerOptions followed by opts, and closes it
// when the test ends, before the cluster's servers stop. Build configurations on it with
// c.NodeList():
//
//	mgr := gorumstest.NewManager(t, c, storage.NewManager)
//	cfg, err := mgr.NewConfiguration(qspec, c.NodeList())
func NewManager[M any](t testing.TB, c *Cluster, newManager func(...manager.Option) M, opts ...manager.Option) M {
	t.Helper()
	mgr := newManager(append(c.ManagerOptions(), opts...)...)
	if raw, ok := any(mgr).(interface {
		Node(id uint32) (*manager.Node, bool)
	}); ok { // a generated manager has its raw manager's Node
		c.mu.Lock()
		c.clients = append(c.clients, raw.Node)
		c.mu.Unlock()
	}
	switch m := any(mgr).(type) {
	case interface{ Close() error }:
		t.Cleanup(func() { _ = m.Close() })
	case interface{ Close() }:
		t.Cleanup(m.Close)
	default:
		t.Fatalf("gorumstest: NewManager: %T has no Close method", mgr)
	}
	return mgr
}
