package calltypes

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sizes are the server counts every matrix test runs with.
var sizes = []int{1, 3, 9}

// failsafe bounds every wait of these tests. It is never what makes a test pass: waits end on
// events, and reaching the failsafe is a failure (or a hang the test reports instead of the
// test binary's timeout).
const failsafe = 15 * time.Second

// forSizes runs f as a subtest for every server count.
func forSizes(t *testing.T, f func(t *testing.T, n int)) {
	t.Helper()
	for _, n := range sizes {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) { f(t, n) })
	}
}

// setup says how to build a cluster; the zero value is n plain servers and a configuration
// of all of them whose quorum functions wait for every node.
type setup struct {
	behavior func(i int) Behavior // behaviour of server i (ID i+1)
	srvOpts  []gorums.ServerOption
	mgrOpts  []gorums.ManagerOption
	insecure bool // add insecure transport credentials (default true unless mgrOpts set them)
	extra    map[string]uint32
}

// cluster is n servers on loopback and a configuration of all of them in which server i has
// node ID i+1, so that cfg.Nodes()[i] is srvs[i].
type cluster struct {
	srvs  []*Server
	addrs []string
	mgr   *Manager
	cfg   *Configuration
	nodes []*Node
}

func (c *cluster) n() int { return len(c.srvs) }

// ids returns the node IDs of the servers with the given indexes.
func ids(idx []int) []uint32 {
	out := make([]uint32, len(idx))
	for i, x := range idx {
		out[i] = uint32(x + 1)
	}
	return out
}

// all returns 0..n-1.
func all(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// startServer serves impl on a new loopback listener until the test's cleanup.
func startServer(t *testing.T, impl CallTypes, opts ...gorums.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := gorums.NewServer(opts...)
	RegisterCallTypesServer(srv, impl)
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(lis); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-served
	})
	return lis.Addr().String()
}

// newCluster starts n servers and a manager with a configuration of them (and of s.extra's
// nodes, whose IDs must not be in 1..n). Cleanup closes the manager, then stops the servers.
func newCluster(t *testing.T, n int, s setup) *cluster {
	t.Helper()
	c := &cluster{}
	nodeMap := make(map[string]uint32, n+len(s.extra))
	for i := range n {
		var b Behavior
		if s.behavior != nil {
			b = s.behavior(i)
		}
		srv := NewServer(uint32(i+1), b)
		addr := startServer(t, srv, s.srvOpts...)
		c.srvs = append(c.srvs, srv)
		c.addrs = append(c.addrs, addr)
		nodeMap[addr] = uint32(i + 1)
	}
	for addr, id := range s.extra {
		nodeMap[addr] = id
	}
	opts := s.mgrOpts
	if len(opts) == 0 || s.insecure {
		opts = append([]gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))}, opts...)
	}
	c.mgr = NewManager(opts...)
	t.Cleanup(func() { c.mgr.Close() }) // runs before the servers' cleanups
	cfg, err := c.mgr.NewConfiguration(QSpec{Q: n}, gorums.WithNodeMap(nodeMap))
	if err != nil {
		t.Fatal(err)
	}
	c.cfg = cfg
	c.nodes = cfg.Nodes()
	for i := range n {
		if got := c.nodes[i].ID(); got != uint32(i+1) {
			t.Fatalf("node %d has ID %d, want %d", i, got, i+1)
		}
	}
	return c
}

// testCtx returns a context that ends at the failsafe or at the test's end.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	t.Cleanup(cancel)
	return ctx
}

// barrier sends an ordered RPC to each of the cluster's servers and waits for the replies:
// when it returns, every request sent to those nodes before it has been handled.
func (c *cluster) barrier(t *testing.T, ctx context.Context) {
	t.Helper()
	for i := range c.srvs {
		if _, err := c.nodes[i].OrderedRPC(ctx, &Request{Value: BarrierValue}); err != nil {
			t.Fatalf("barrier on node %d: %v", c.nodes[i].ID(), err)
		}
	}
}

// waitClosed fails the test if ch is not closed before the failsafe.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	timer := time.NewTimer(failsafe)
	defer timer.Stop()
	select {
	case <-ch:
	case <-timer.C:
		t.Fatalf("%s: not closed after %v", what, failsafe)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// summaryOf is what QSpec's Summary makes of replies from the nodes with the given IDs, each
// answering value(id).
func summaryOf(nodeIDs []uint32, value func(id uint32) string) string {
	sorted := slices.Clone(nodeIDs)
	slices.Sort(sorted)
	parts := make([]string, len(sorted))
	for i, id := range sorted {
		parts[i] = fmt.Sprintf("%d=%s", id, value(id))
	}
	return strings.Join(parts, ",")
}

func same(v string) func(uint32) string { return func(uint32) string { return v } }

// seqRange returns from, from+1, ..., to.
func seqRange(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

// gate is a channel a test closes to let blocked handlers go on.
type gate chan struct{}

// wait blocks until g is closed or ctx ends.
func (g gate) wait(ctx context.Context) error {
	select {
	case <-g:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
