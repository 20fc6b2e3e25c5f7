package manager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// ErrClosed is returned when a closed Manager is asked for new nodes.
var ErrClosed = errors.New("gorums: manager closed")

// Manager is a pool of nodes: it creates each node (and its actor) once, hands the same node to
// every configuration that includes it, gives out message IDs and closes everything on Close.
// All its methods are safe for concurrent use.
type Manager struct {
	opts   options
	ctx    context.Context // parent of every node actor; canceled by Close
	cancel context.CancelFunc

	msgID atomic.Uint64

	mu     sync.Mutex
	nodes  map[uint32]*Node
	sorted []*Node // nodes by ID; replaced, never modified, so callers may keep it
	closed bool
}

// New returns a manager with the given options. It starts no goroutine until nodes are added.
func New(opts ...Option) *Manager {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{opts: o, ctx: ctx, cancel: cancel, nodes: make(map[uint32]*Node)}
}

// NextMsgID returns a new message ID; IDs start at 1 and are never reused by a manager.
func (m *Manager) NextMsgID() uint64 { return m.msgID.Add(1) }

// Logger returns the manager's logger (a no-op logger unless WithLogger was given).
func (m *Manager) Logger() *zap.Logger { return m.opts.logger }

// DialTimeout returns the WithDialTimeout duration, or 0.
func (m *Manager) DialTimeout() time.Duration { return m.opts.dialTimeout }

// Nodes returns the manager's nodes sorted by ID.
func (m *Manager) Nodes() []*Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sorted)
}

// Node returns the node with the given ID.
func (m *Manager) Node(id uint32) (*Node, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.nodes[id]
	return n, ok
}

// Size returns the number of nodes in the manager.
func (m *Manager) Size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.nodes)
}

// NodeSpec names a node to add: its ID and address.
type NodeSpec struct {
	ID   uint32
	Addr string
}

// AddNodes returns the nodes named by specs, creating those the manager does not have yet. It
// reports which nodes are new. A spec whose ID the manager already has with another address is
// an error, and then no node is added.
func (m *Manager) AddNodes(specs []NodeSpec) (nodes []*Node, created []*Node, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	for _, s := range specs {
		if n, ok := m.nodes[s.ID]; ok && n.addr != s.Addr {
			return nil, nil, fmt.Errorf("node ID %d is already used by %s, not %s", s.ID, n.addr, s.Addr)
		}
	}
	for _, s := range specs {
		n, ok := m.nodes[s.ID]
		if !ok {
			if n, err = newNode(m.ctx, m, s.ID, s.Addr, &m.opts); err != nil {
				break
			}
			m.nodes[s.ID] = n
			created = append(created, n)
		}
		nodes = append(nodes, n)
	}
	if len(created) > 0 {
		m.sorted = sortedNodes(m.nodes)
	}
	return nodes, created, err
}

func sortedNodes(nodes map[uint32]*Node) []*Node {
	out := make([]*Node, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *Node) int { return cmpID(a.id, b.id) })
	return out
}

func cmpID(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Close stops every node actor and waits for them: calls in flight fail with Unavailable and
// nothing the manager started is left running. Calling Close again does nothing.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	nodes := m.sorted
	m.mu.Unlock()
	m.cancel()
	for _, n := range nodes {
		n.close()
	}
	return nil
}
