package manager

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newTestManager(t *testing.T, opts ...Option) *Manager {
	t.Helper()
	m := New(append([]Option{WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))}, opts...)...)
	t.Cleanup(m.Close)
	return m
}

func withID(t *testing.T, addr string, id uint32) *Node {
	t.Helper()
	n, err := NewNodeWithID(addr, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddNodesReusesAndRefuses(t *testing.T) {
	m := newTestManager(t)
	got, created, err := m.addNodes([]*Node{withID(t, "127.0.0.1:1", 5), withID(t, "127.0.0.1:2", 2)}, true)
	if err != nil || len(got) != 2 || len(created) != 2 {
		t.Fatalf("addNodes = %v, %v, %v", got, created, err)
	}
	if got[0].ID() != 5 || got[1].ID() != 2 || got[0].Address() != "127.0.0.1:1" {
		t.Fatalf("nodes in the wrong order or with wrong fields: %v", got)
	}
	again, created, err := m.addNodes([]*Node{withID(t, "127.0.0.1:2", 2), withID(t, "127.0.0.1:9", 9)}, true)
	if err != nil || len(created) != 1 || created[0].ID() != 9 || again[0] != got[1] {
		t.Fatalf("second addNodes = %v, created %v, %v", again, created, err)
	}
	if ids := m.NodeIDs(); len(ids) != 3 || ids[0] != 2 || ids[1] != 5 || ids[2] != 9 {
		t.Fatalf("NodeIDs = %v, want sorted [2 5 9]", ids)
	}
	if n, ok := m.Node(9); !ok || n != created[0] {
		t.Fatal("Node(9) not found")
	}
	// An ID taken by another address is refused, and nothing is added.
	_, _, err = m.addNodes([]*Node{withID(t, "127.0.0.1:11", 11), withID(t, "127.0.0.1:3", 2)}, true)
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:3") || !strings.Contains(err.Error(), "127.0.0.1:2") {
		t.Fatalf("a taken ID: %v, want an error naming both addresses", err)
	}
	if m.Size() != 3 {
		t.Fatalf("Size = %d after a refused addNodes", m.Size())
	}
	m.Close()
	if _, _, err := m.addNodes([]*Node{withID(t, "127.0.0.1:12", 12)}, true); err != ErrClosed {
		t.Fatalf("addNodes after Close = %v, want ErrClosed", err)
	}
}

// One server counts once in a quorum: a manager never holds two nodes for one resolved
// address, however they are added.
func TestOneNodePerServer(t *testing.T) {
	loopback := "127.0.0.1:7001"
	other := ""
	if tcp, err := net.ResolveTCPAddr("tcp", "localhost:7001"); err == nil && tcp.String() == loopback {
		other = "localhost:7001"
	}
	cases := []struct {
		name  string
		first []*Node // added first, successfully
		then  []*Node // refused
	}{
		{name: "same address under two IDs in one list", then: []*Node{withID(t, loopback, 10), withID(t, loopback, 11)}},
		{name: "same address under another ID later", first: []*Node{withID(t, loopback, 10)}, then: []*Node{withID(t, loopback, 11)}},
	}
	if other != "" {
		cases = append(cases,
			struct {
				name        string
				first, then []*Node
			}{name: "two spellings of one server in one list", then: []*Node{withID(t, loopback, 10), withID(t, other, 11)}},
			struct {
				name        string
				first, then []*Node
			}{name: "another spelling later", first: []*Node{withID(t, loopback, 10)}, then: []*Node{withID(t, other, 11)}},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestManager(t)
			if len(tc.first) > 0 {
				if _, _, err := m.addNodes(tc.first, true); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := m.addNodes(tc.then, true)
			if err == nil {
				t.Fatalf("two nodes for one server accepted: %v", m.Nodes())
			}
			for _, n := range append(tc.first, tc.then...) {
				if !strings.Contains(err.Error(), n.Address()) {
					t.Fatalf("error %q does not name %q", err, n.Address())
				}
			}
			if m.Size() != len(tc.first) {
				t.Fatalf("Size = %d after the refusal", m.Size())
			}
		})
	}
}

func TestAddNode(t *testing.T) {
	m := newTestManager(t, WithNoConnect())
	n, err := NewNode("127.0.0.1:9080")
	if err != nil {
		t.Fatal(err)
	}
	if n.ID() != 2169638829 || n.Address() != "127.0.0.1:9080" || n.Host() != "127.0.0.1" || n.Port() != "9080" {
		t.Fatalf("NewNode: id %d, addr %q, host %q, port %q", n.ID(), n.Address(), n.Host(), n.Port())
	}
	if !strings.Contains(n.FullString(), "not in a manager") {
		t.Fatalf("FullString before AddNode = %q", n.FullString())
	}
	if err := n.WaitConnected(context.Background()); err == nil {
		t.Fatal("WaitConnected of a node in no manager returned nil")
	}
	if err := m.AddNode(n); err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Node(n.ID()); !ok || got != n {
		t.Fatal("the added node is not the manager's")
	}
	if ids := m.NodeIDs(); len(ids) != 1 || ids[0] != n.ID() {
		t.Fatalf("NodeIDs = %v", ids)
	}
	fs := n.FullString()
	if !strings.Contains(fs, "node 2169638829 (127.0.0.1:9080)") || !strings.Contains(fs, "not connected") || !strings.Contains(fs, "WithNoConnect") {
		t.Fatalf("FullString = %q", fs)
	}
	for _, tc := range []struct {
		name string
		node *Node
		want string
	}{
		{"the same node again", n, "already in the manager"},
		{"its ID at another address", withID(t, "127.0.0.1:9081", n.ID()), "already used"},
		{"its address under another ID", withID(t, "127.0.0.1:9080", 7), "one server counts once"},
	} {
		if err := m.AddNode(tc.node); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddNode of %s = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if m.Size() != 1 {
		t.Fatalf("Size = %d", m.Size())
	}
	other := newTestManager(t, WithNoConnect())
	if err := other.AddNode(n); err == nil || !strings.Contains(err.Error(), "another manager") {
		t.Fatalf("AddNode of another manager's node = %v", err)
	}
	if err := m.AddNode(nil); err == nil {
		t.Fatal("AddNode(nil) = nil")
	}
	m.Close()
	if err := m.AddNode(withID(t, "127.0.0.1:9082", 3)); !errors.Is(err, ErrClosed) {
		t.Fatalf("AddNode after Close = %v", err)
	}
}

func TestNewNodeErrors(t *testing.T) {
	for _, addr := range []string{"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:x"} {
		if _, err := NewNode(addr); err == nil {
			t.Errorf("NewNode(%q) = nil error", addr)
		}
		if _, err := NewNodeWithID(addr, 1); err == nil {
			t.Errorf("NewNodeWithID(%q) = nil error", addr)
		}
	}
}

func TestCloseTwiceAndWithNoNodes(t *testing.T) {
	m := New()
	m.Close()
	m.Close()
	m2 := newTestManager(t)
	if err := m2.AddNode(withID(t, "127.0.0.1:1", 1)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { m2.Close(); m2.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return")
	}
}
