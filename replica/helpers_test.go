package replica_test

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums/gorumstest"
	ct "github.com/quorumcall/gorums/internal/calltypes"
	"github.com/quorumcall/gorums/manager"
	"github.com/quorumcall/gorums/replica"
)

// failsafe bounds every wait of these tests; reaching it is a failure, never what makes a
// test pass.
const failsafe = 15 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	t.Cleanup(cancel)
	return ctx
}

// baseOptions are the options every test replica gets: insecure credentials and a quick
// reconnect backoff.
func baseOptions() []replica.Option {
	return []replica.Option{replica.WithManagerOptions(
		manager.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		manager.WithBackoff(gorumstest.Backoff),
	)}
}

// member is one replica of a test group: replica i has ID i+1 and serves a calltypes
// server (or what wrap makes of it), whose handlers may call the group on cfg.
type member struct {
	r      *replica.Replica
	srv    *ct.Server
	cfg    *ct.Configuration // every replica, with QSpec{Q: n}
	served chan error        // Serve's result
}

// group is n replicas on loopback ports; the members map is IDs 1..n to the listeners.
type group struct {
	members map[uint32]string
	listens []net.Listener // replica i's listener until it is served; nil after
	reps    []*member
}

// groupSetup says how a test group is built; the zero value is plain calltypes servers.
type groupSetup struct {
	behavior func(i int) ct.Behavior
	wrap     func(m *member) ct.CallTypes // the service a replica serves (default m.srv)
	opts     []replica.Option
	down     []int // replicas made but not started
}

// newGroup listens for n replicas, then makes and starts each (except those set down).
func newGroup(t *testing.T, n int, s groupSetup) *group {
	t.Helper()
	g := &group{members: make(map[uint32]string, n)}
	for i := range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		g.listens = append(g.listens, lis)
		g.members[uint32(i+1)] = lis.Addr().String()
	}
	for _, i := range s.down {
		_ = g.listens[i].Close() // nothing listens at a replica that is down
		g.listens[i] = nil
	}
	for i := range n {
		g.reps = append(g.reps, nil)
		if slices.Contains(s.down, i) {
			continue
		}
		g.start(t, i, s)
	}
	return g
}

// start makes replica i and serves it on its listener (a new one if the old was closed).
func (g *group) start(t *testing.T, i int, s groupSetup) *member {
	t.Helper()
	id := uint32(i + 1)
	r, err := replica.New(id, g.members, append(baseOptions(), s.opts...)...)
	if err != nil {
		t.Fatalf("replica %d: %v", id, err)
	}
	var b ct.Behavior
	if s.behavior != nil {
		b = s.behavior(i)
	}
	m := &member{r: r, srv: ct.NewServer(id, b), served: make(chan error, 1)}
	m.cfg = ct.ConfigurationFromRaw(r.Configuration(), ct.QSpec{Q: len(g.members)})
	impl := ct.CallTypes(m.srv)
	if s.wrap != nil {
		impl = s.wrap(m)
	}
	ct.RegisterCallTypesServer(r.Server(), impl)
	lis := g.listens[i]
	g.listens[i] = nil // the server closes it when it stops
	if lis == nil {
		if lis, err = listenAgain(g.members[id]); err != nil {
			r.Stop()
			t.Fatalf("replica %d: %v", id, err)
		}
	}
	go func() { m.served <- r.Serve(lis) }()
	t.Cleanup(func() { m.stop(t) })
	g.reps[i] = m
	return m
}

// listenAgain listens on addr, retrying while a stopped server's sockets still hold it.
func listenAgain(addr string) (net.Listener, error) {
	deadline := time.Now().Add(failsafe)
	for {
		lis, err := net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			return lis, err
		}
		time.Sleep(10 * time.Millisecond) // the port is held by the old server's closing sockets
	}
}

// stop stops the replica (again, if it was) and checks what Serve returned.
func (m *member) stop(t *testing.T) {
	t.Helper()
	m.r.Stop()
	if m.served == nil {
		return
	}
	if err := <-m.served; err != nil {
		t.Errorf("replica %d: Serve: %v", m.r.ID(), err)
	}
	m.served = nil
}

// node returns m's node for replica id.
func (m *member) node(t *testing.T, id uint32) *ct.Node {
	t.Helper()
	for _, n := range m.cfg.Nodes() {
		if n.ID() == id {
			return n
		}
	}
	t.Fatalf("replica %d has no node %d", m.r.ID(), id)
	return nil
}

// network returns the network of the connection a request arrived on: "bufconn" for a
// replica's own node, "tcp" for its peers.
func network(a ct.Arrival) string {
	if a.Peer == nil || a.Peer.Addr == nil {
		return ""
	}
	return a.Peer.Addr.Network()
}
