package configuration

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumcall/gorums/internal/probe"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/manager"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newTestManager returns a manager whose nodes connect (and fail) in the background.
func newTestManager(t *testing.T, opts ...manager.Option) *manager.Manager {
	t.Helper()
	m := manager.New(append([]manager.Option{manager.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))}, opts...)...)
	t.Cleanup(func() { m.Close() })
	return m
}

// addrs returns n distinct loopback addresses for tests that make no calls: whether something
// listens there does not matter, nodes just connect (or fail to) in the background.
func addrs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("127.0.0.1:%d", 19990+i)
	}
	return out
}

func idsOf(t *testing.T, addrs ...string) []uint32 {
	t.Helper()
	ids := make([]uint32, len(addrs))
	for i, a := range addrs {
		id, _, err := manager.NodeID(a)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	slices.Sort(ids)
	return ids
}

func mustConfig(t *testing.T, m *manager.Manager, opt NodeListOption) Configuration {
	t.Helper()
	c, err := New(m, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewConfigurationArgs(t *testing.T) {
	if _, err := New(nil, WithNodeList(addrs(1))); err == nil {
		t.Fatal("New(nil manager) succeeded")
	}
	m := newTestManager(t)
	if _, err := New(m, nil); err == nil {
		t.Fatal("New(m, nil) succeeded")
	}
}

func TestWithNodeList(t *testing.T) {
	m := newTestManager(t)
	as := addrs(3)
	c := mustConfig(t, m, WithNodeList(as))
	if c.Size() != 3 || !slices.Equal(c.NodeIDs(), idsOf(t, as...)) {
		t.Fatalf("config %v, want IDs %v", c.NodeIDs(), idsOf(t, as...))
	}
	if !slices.IsSorted(c.NodeIDs()) {
		t.Fatal("node IDs not sorted")
	}
	for i, n := range c.Nodes() {
		if n.ID() != c.NodeIDs()[i] || !slices.Contains(as, n.Address()) {
			t.Fatalf("node %d: %v", i, n)
		}
	}
	if c.Manager() != m || m.Size() != 3 {
		t.Fatalf("manager has %d nodes", m.Size())
	}
}

func TestWithNodeListKnownID(t *testing.T) {
	m := newTestManager(t)
	c := mustConfig(t, m, WithNodeList([]string{"127.0.0.1:9080"}))
	if ids := c.NodeIDs(); len(ids) != 1 || ids[0] != 2169638829 {
		t.Fatalf("IDs %v", ids)
	}
}

func TestWithNodeListErrors(t *testing.T) {
	tests := []struct {
		name  string
		addrs []string
		want  string // in the error text
	}{
		{"nil list", nil, "no addresses"},
		{"empty list", []string{}, "no addresses"},
		{"empty address", []string{"127.0.0.1:1001", ""}, "empty address"},
		{"duplicate", []string{"127.0.0.1:1001", "127.0.0.1:1002", "127.0.0.1:1001"}, "listed twice"},
		{"unresolvable host", []string{"no-such-host.invalid:1"}, "no-such-host.invalid:1"},
		{"missing port", []string{"127.0.0.1"}, "127.0.0.1"},
		{"bad port", []string{"127.0.0.1:http2x"}, "127.0.0.1:http2x"},
		{"port 0", []string{"127.0.0.1:1001", "127.0.0.1:0"}, "port 0"},
		{"loopback and no host", []string{"127.0.0.1:1004", ":1004"}, "listed twice"},
		{"loopback and unspecified host", []string{"0.0.0.0:1004", "127.0.0.1:1004"}, "listed twice"},
	}
	if _, r1, err1 := manager.NodeID("localhost:1003"); err1 == nil {
		if _, r2, _ := manager.NodeID("127.0.0.1:1003"); r1 == r2 {
			tests = append(tests, struct {
				name  string
				addrs []string
				want  string
			}{"same address by name and IP", []string{"localhost:1003", "127.0.0.1:1003"}, "listed twice"})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestManager(t)
			_, err := New(m, WithNodeList(tt.addrs))
			if err == nil {
				t.Fatalf("WithNodeList(%q) succeeded", tt.addrs)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "WithNodeList") {
				t.Fatalf("error %q does not mention %q and the option", err, tt.want)
			}
			if m.Size() != 0 {
				t.Fatalf("a refused WithNodeList added %d nodes", m.Size())
			}
		})
	}
}

func TestWithNodeListCopiesInput(t *testing.T) {
	m := newTestManager(t)
	as := addrs(2)
	opt := WithNodeList(as)
	as[0] = "not an address"
	if _, err := New(m, opt); err != nil {
		t.Fatalf("WithNodeList kept a reference to its argument: %v", err)
	}
}

func TestWithNodeMap(t *testing.T) {
	m := newTestManager(t)
	as := addrs(3)
	c := mustConfig(t, m, WithNodeMap(map[string]uint32{as[0]: 30, as[1]: 10, as[2]: 20}))
	if !slices.Equal(c.NodeIDs(), []uint32{10, 20, 30}) {
		t.Fatalf("IDs %v", c.NodeIDs())
	}
	if c.Nodes()[0].Address() != as[1] {
		t.Fatalf("node 10 has address %s", c.Nodes()[0].Address())
	}
	// The same ID with the same address again is the same node.
	c2 := mustConfig(t, m, WithNodeMap(map[string]uint32{as[1]: 10}))
	if c2.Nodes()[0] != c.Nodes()[0] {
		t.Fatal("WithNodeMap made a second node for the same ID and address")
	}
	// The same ID with another address is refused.
	if _, err := New(m, WithNodeMap(map[string]uint32{"127.0.0.1:4444": 10})); err == nil {
		t.Fatal("an ID reused for another address was accepted")
	}
}

func TestWithNodeMapErrors(t *testing.T) {
	as := addrs(2)
	tests := []struct {
		name string
		m    map[string]uint32
		want string
	}{
		{"nil", nil, "no addresses"},
		{"empty", map[string]uint32{}, "no addresses"},
		{"duplicate IDs", map[string]uint32{as[0]: 7, as[1]: 7}, "same node ID 7"},
		{"bad address", map[string]uint32{"nope": 1}, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestManager(t)
			_, err := New(m, WithNodeMap(tt.m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
			if m.Size() != 0 {
				t.Fatalf("a refused WithNodeMap added %d nodes", m.Size())
			}
		})
	}
}

// One server counts once in a quorum: a configuration never holds two nodes for one server,
// however its nodes are named.
func TestOneNodePerServerInConfigurations(t *testing.T) {
	as := addrs(2)
	port := as[0][strings.LastIndex(as[0], ":")+1:]
	byName := "localhost:" + port
	if _, r, err := manager.NodeID(byName); err != nil || r != as[0] {
		byName = "" // localhost is not 127.0.0.1 here
	}
	type step struct {
		opt  NodeListOption
		fail bool
	}
	cases := map[string][]step{
		"one address under two IDs":      {{WithNodeMap(map[string]uint32{as[0]: 10, as[1]: 11}), false}, {WithNodeMap(map[string]uint32{as[0]: 12}), true}},
		"WithNodeList after WithNodeMap": {{WithNodeMap(map[string]uint32{as[0]: 10}), false}, {WithNodeList([]string{as[0]}), true}},
		"WithNodeMap after WithNodeList": {{WithNodeList([]string{as[0]}), false}, {WithNodeMap(map[string]uint32{as[0]: 10}), true}},
	}
	if byName != "" {
		cases["two spellings in one map"] = []step{{WithNodeMap(map[string]uint32{as[0]: 10, byName: 11}), true}}
		// The same server under the same ID is the same node, however it is spelled.
		cases["another spelling later"] = []step{{WithNodeList([]string{as[0]}), false}, {WithNodeList([]string{byName}), false}}
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			m := newTestManager(t)
			for i, st := range steps {
				_, err := New(m, st.opt)
				if st.fail != (err != nil) {
					t.Fatalf("step %d: error %v, want failure %v", i, err, st.fail)
				}
				if err != nil && !strings.Contains(err.Error(), as[0]) {
					t.Fatalf("step %d: error %q does not name the address", i, err)
				}
			}
			servers := map[string]bool{}
			for _, n := range m.Nodes() {
				_, r, _ := manager.NodeID(n.Address())
				if servers[r] {
					t.Fatalf("two nodes for server %s: %v", r, m.Nodes())
				}
				servers[r] = true
			}
		})
	}
}

func TestClosedManagerMakesNoConfigurations(t *testing.T) {
	m := newTestManager(t)
	c := mustConfig(t, m, WithNodeList(addrs(2)))
	m.Close()
	for name, opt := range map[string]NodeListOption{
		"WithNodeList": WithNodeList(addrs(1)),
		"WithNodeIDs":  WithNodeIDs(c.NodeIDs()),
		"WithoutNodes": c.WithoutNodes(c.NodeIDs()[0]),
		"And":          c.And(c),
	} {
		if _, err := New(m, opt); !errors.Is(err, manager.ErrClosed) || strings.Count(err.Error(), "gorums:") != 1 {
			t.Errorf("%s after Close: %v, want ErrClosed (saying gorums: once)", name, err)
		}
	}
}

func TestWithNodeIDs(t *testing.T) {
	m := newTestManager(t)
	as := addrs(3)
	all := mustConfig(t, m, WithNodeList(as))
	ids := all.NodeIDs()
	c := mustConfig(t, m, WithNodeIDs([]uint32{ids[2], ids[0]}))
	if !slices.Equal(c.NodeIDs(), []uint32{ids[0], ids[2]}) {
		t.Fatalf("IDs %v", c.NodeIDs())
	}
	if c.Nodes()[0] != all.Nodes()[0] || c.Nodes()[1] != all.Nodes()[2] {
		t.Fatal("WithNodeIDs did not reuse the manager's nodes")
	}
	for _, tt := range []struct {
		name string
		ids  []uint32
		want string
	}{
		{"empty", nil, "no node IDs"},
		{"unknown", []uint32{ids[0], 12345}, "12345"},
		{"duplicate", []uint32{ids[1], ids[0], ids[1]}, "listed twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(m, WithNodeIDs(tt.ids))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	if m.Size() != 3 {
		t.Fatalf("manager has %d nodes", m.Size())
	}
}

func TestNodesAreShared(t *testing.T) {
	m := newTestManager(t)
	as := addrs(4)
	c1 := mustConfig(t, m, WithNodeList(as[:3]))
	c2 := mustConfig(t, m, WithNodeList(as[1:]))
	if m.Size() != 4 {
		t.Fatalf("manager has %d nodes, want 4", m.Size())
	}
	shared := 0
	for _, a := range c1.Nodes() {
		for _, b := range c2.Nodes() {
			if a.ID() == b.ID() {
				if a != b {
					t.Fatalf("node %d is two different *Node values", a.ID())
				}
				shared++
			}
		}
	}
	if shared != 2 {
		t.Fatalf("%d shared nodes, want 2", shared)
	}
	for _, n := range c1.Nodes() {
		if mn, ok := m.Node(n.ID()); !ok || mn != n {
			t.Fatalf("manager's node %d differs from the configuration's", n.ID())
		}
	}
}

func TestSetAlgebraOnConfigurations(t *testing.T) {
	m := newTestManager(t)
	as := addrs(5)
	id := idsOf(t, as...)
	byAddr := func(i int) uint32 { return idsOf(t, as[i])[0] }
	a := mustConfig(t, m, WithNodeList(as[:3])) // 0 1 2
	b := mustConfig(t, m, WithNodeList(as[2:])) // 2 3 4
	sorted := func(xs ...uint32) []uint32 { slices.Sort(xs); return xs }

	and := mustConfig(t, m, a.And(b))
	if !slices.Equal(and.NodeIDs(), id) {
		t.Fatalf("And: %v, want %v", and.NodeIDs(), id)
	}
	except := mustConfig(t, m, a.Except(b))
	if want := sorted(byAddr(0), byAddr(1)); !slices.Equal(except.NodeIDs(), want) {
		t.Fatalf("Except: %v, want %v", except.NodeIDs(), want)
	}
	without := mustConfig(t, m, a.WithoutNodes(byAddr(1), byAddr(1), 424242))
	if want := sorted(byAddr(0), byAddr(2)); !slices.Equal(without.NodeIDs(), want) {
		t.Fatalf("WithoutNodes: %v, want %v", without.NodeIDs(), want)
	}
	grown := mustConfig(t, m, a.WithNewNodes(WithNodeList(as[3:])))
	if want := sorted(byAddr(0), byAddr(1), byAddr(2), byAddr(3), byAddr(4)); !slices.Equal(grown.NodeIDs(), want) || grown.Size() != 5 {
		t.Fatalf("WithNewNodes: %v, want %v", grown.NodeIDs(), want)
	}
	if !grown.Equal(and) || grown.Equal(a) {
		t.Fatal("Equal")
	}
	// Operands are not changed.
	if a.Size() != 3 || b.Size() != 3 {
		t.Fatal("set algebra changed its operands")
	}
	// Everything removed: an empty configuration.
	empty := mustConfig(t, m, a.WithoutNodes(a.NodeIDs()...))
	if empty.Size() != 0 || len(empty.Nodes()) != 0 {
		t.Fatalf("empty: %v", empty.NodeIDs())
	}
	if e2 := mustConfig(t, m, a.Except(a)); !e2.Equal(empty) {
		t.Fatal("a.Except(a) is not empty")
	}
	if self := mustConfig(t, m, a.And(a)); !self.Equal(a) {
		t.Fatal("a.And(a) is not a")
	}
	// A new node list in WithNewNodes may create nodes; a bad one fails the whole option.
	if _, err := New(m, a.WithNewNodes(WithNodeList([]string{""}))); err == nil {
		t.Fatal("WithNewNodes with a bad node list succeeded")
	}
	if _, err := New(m, a.WithNewNodes(nil)); err == nil {
		t.Fatal("WithNewNodes(nil) succeeded")
	}
}

func TestEqual(t *testing.T) {
	m := newTestManager(t)
	as := addrs(3)
	a := mustConfig(t, m, WithNodeList(as))
	b := mustConfig(t, m, WithNodeList([]string{as[2], as[0], as[1]}))
	if !a.Equal(b) || !b.Equal(a) || !a.Equal(a) {
		t.Fatal("same nodes, not Equal")
	}
	c := mustConfig(t, m, WithNodeList(as[:2]))
	if a.Equal(c) || c.Equal(a) {
		t.Fatal("different nodes, Equal")
	}
	m2 := newTestManager(t)
	other := mustConfig(t, m2, WithNodeList(as))
	if a.Equal(other) {
		t.Fatal("configurations of different managers are Equal")
	}
	if !(Configuration{}).Equal(Configuration{}) {
		t.Fatal("zero configurations not Equal")
	}
}

func TestSetAlgebraAcrossManagersRefused(t *testing.T) {
	m1, m2 := newTestManager(t), newTestManager(t)
	as := addrs(3)
	a := mustConfig(t, m1, WithNodeList(as[:2]))
	b := mustConfig(t, m2, WithNodeList(as[1:]))
	for name, opt := range map[string]NodeListOption{
		"And":          a.And(b),
		"Except":       a.Except(b),
		"b.And(a)":     b.And(a),
		"WithoutNodes": b.WithoutNodes(),
		"WithNewNodes": b.WithNewNodes(WithNodeList(as[:1])),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(m1, opt)
			if err == nil || !strings.Contains(err.Error(), "another manager") {
				t.Fatalf("error %v, want a refusal naming another manager", err)
			}
		})
	}
	// The zero Configuration is the empty set of any manager.
	if c, err := New(m1, a.And(Configuration{})); err != nil || !c.Equal(a) {
		t.Fatalf("a.And(zero) = %v, %v", c.NodeIDs(), err)
	}
}

func TestQuorumCallOnEmptyConfiguration(t *testing.T) {
	m := newTestManager(t)
	a := mustConfig(t, m, WithNodeList(addrs(1)))
	empty := mustConfig(t, m, a.WithoutNodes(a.NodeIDs()...))
	_, err := QuorumCall(context.Background(), empty, "test.Svc.M", wrapperspb.String("x"),
		func(*wrapperspb.StringValue, map[uint32]*wrapperspb.StringValue) (int, bool) { return 1, true })
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("QuorumCall on an empty configuration = %v, want ErrIncomplete", err)
	}
}

// freeAddrs returns n loopback addresses where nothing listens.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		out[i] = lis.Addr().String()
		_ = lis.Close()
	}
	return out
}

func TestQuorumCallAllNodesDown(t *testing.T) {
	m := newTestManager(t)
	c := mustConfig(t, m, WithNodeList(freeAddrs(t, 3)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := QuorumCall(ctx, c, "test.Svc.M", wrapperspb.String("x"),
		func(_ *wrapperspb.StringValue, r map[uint32]*wrapperspb.StringValue) (int, bool) {
			return len(r), len(r) >= 2
		})
	if ctx.Err() != nil {
		t.Fatalf("the call ended only with its context: %v", err)
	}
	var qe QuorumCallError
	if !errors.Is(err, ErrIncomplete) || !errors.As(err, &qe) {
		t.Fatalf("err = %v, want an incomplete QuorumCallError", err)
	}
	if len(qe.Errors) != 3 || qe.ReplyCount != 0 {
		t.Fatalf("QuorumCallError = %+v", qe)
	}
	seen := map[uint32]bool{}
	for _, ne := range qe.Errors {
		seen[ne.NodeID] = true
		if status.Code(ne.Cause) != codes.Unavailable {
			t.Fatalf("node %d: %v, want Unavailable", ne.NodeID, ne.Cause)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("errors of nodes %v", seen)
	}
	for _, n := range c.Nodes() {
		if p := probe.PendingCount(n); p != 0 {
			t.Fatalf("node %d: %d pending after the call", n.ID(), p)
		}
	}
}

func TestRPCCallErrors(t *testing.T) {
	m := newTestManager(t)
	c := mustConfig(t, m, WithNodeList(freeAddrs(t, 1)))
	n := c.Nodes()[0]

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := RPCCall[*wrapperspb.StringValue, *wrapperspb.StringValue](ctx, n, "test.Svc.M", wrapperspb.String("x"))
	if status.Code(err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("RPCCall to a node that is down = %v (ctx %v), want Unavailable", err, ctx.Err())
	}

	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = RPCCall[*wrapperspb.StringValue, *wrapperspb.StringValue](canceled, n, "test.Svc.M", wrapperspb.String("x"))
	if !errors.Is(err, context.Canceled) || status.Code(err) != codes.Canceled {
		t.Fatalf("RPCCall with a canceled context = %v, want Canceled", err)
	}

	m.Close()
	_, err = RPCCall[*wrapperspb.StringValue, *wrapperspb.StringValue](ctx, n, "test.Svc.M", wrapperspb.String("x"))
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "manager closed") {
		t.Fatalf("RPCCall after Close = %v", err)
	}
	if _, err := New(m, WithNodeList(freeAddrs(t, 1))); err == nil {
		t.Fatal("New on a closed manager succeeded")
	}
}

func TestWithoutErrors(t *testing.T) {
	m := newTestManager(t, manager.WithNoConnect())
	c := mustConfig(t, m, WithNodeMap(map[string]uint32{"127.0.0.1:1001": 1, "127.0.0.1:1002": 2, "127.0.0.1:1003": 3, "127.0.0.1:1004": 4}))
	qcErr := incompleteError(1, 4, []NodeError{
		{NodeID: 2, Cause: status.Error(codes.Unavailable, "down")},
		{NodeID: 4, Cause: status.Error(codes.DeadlineExceeded, "slow")},
		{NodeID: 3, Cause: status.Error(codes.Unavailable, "down")},
	})
	for _, tt := range []struct {
		name  string
		err   error
		codes []codes.Code
		want  []uint32
	}{
		{"every failed node", qcErr, nil, []uint32{1}},
		{"wrapped", fmt.Errorf("write: %w", qcErr), nil, []uint32{1}},
		{"only Unavailable", qcErr, []codes.Code{codes.Unavailable}, []uint32{1, 4}},
		{"a code no node failed with", qcErr, []codes.Code{codes.Internal}, []uint32{1, 2, 3, 4}},
		{"not a quorum call error", errors.New("other"), nil, []uint32{1, 2, 3, 4}},
		{"nil", nil, nil, []uint32{1, 2, 3, 4}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := mustConfig(t, m, c.WithoutErrors(tt.err, tt.codes...))
			if !slices.Equal(got.NodeIDs(), tt.want) {
				t.Fatalf("nodes %v, want %v", got.NodeIDs(), tt.want)
			}
		})
	}
}

// A per-node function that panics: the panic reaches the caller, and the call has ended
// (it no longer counts as in progress), so the manager's later calls are not taken for
// concurrent ones.
func TestPerNodePanicEndsCall(t *testing.T) {
	m := newTestManager(t)
	c := mustConfig(t, m, WithNodeList(addrs(2)))
	qf := func(*wrapperspb.StringValue, map[uint32]*wrapperspb.StringValue) (*wrapperspb.StringValue, bool) {
		return nil, true
	}
	func() {
		defer func() {
			if p := recover(); p != "per-node boom" {
				t.Fatalf("recovered %v, want the per-node function's panic", p)
			}
		}()
		_, _ = QuorumCallPerNode(context.Background(), c, "test.Svc.M", wrapperspb.String("x"),
			func(*wrapperspb.StringValue, uint32) *wrapperspb.StringValue { panic("per-node boom") }, qf)
	}()
	if n := c.ids().InProgress(); n != 0 {
		t.Fatalf("%d calls in progress after the panicking call, want 0", n)
	}
}
