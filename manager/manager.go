package manager

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/internal/link"
)

// ErrClosed is returned when a closed Manager is asked for nodes.
var ErrClosed = errors.New("gorums: manager closed")

// Manager is a pool of nodes: it creates each node (and its actor) once, holds at most one node
// per server address, hands the same node to every configuration that includes it, and closes
// everything on Close. All its methods are safe for concurrent use.
type Manager struct {
	opts    options
	ctx     context.Context // parent of every node actor; canceled by Close
	cancel  context.CancelFunc
	runtime *callproto.Runtime

	mu     sync.Mutex
	nodes  map[uint32]*Node
	byAddr map[string]*Node // by resolved address: one server counts once
	sorted []*Node          // nodes by ID; replaced, never modified, so callers may keep it
	closed bool
}

// New returns a manager with the given options. It starts no goroutine until nodes are added.
func New(opts ...Option) *Manager {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{
		opts: o, ctx: ctx, cancel: cancel,
		runtime: &callproto.Runtime{Logger: o.logger, DialTimeout: o.dialTimeout, Interceptors: o.interceptors},
		nodes:   make(map[uint32]*Node), byAddr: make(map[string]*Node),
	}
}

// Nodes returns the manager's nodes sorted by ID.
func (m *Manager) Nodes() []*Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sorted)
}

// NodeIDs returns the IDs of the manager's nodes in increasing order.
func (m *Manager) NodeIDs() []uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]uint32, len(m.sorted))
	for i, n := range m.sorted {
		ids[i] = n.id
	}
	return ids
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

// AddNode adds a node made by NewNode or NewNodeWithID to the manager, which starts connecting
// to it; configurations can then include it by ID. A node whose ID or server address the
// manager already has is refused, as is a node of another manager.
func (m *Manager) AddNode(n *Node) error {
	if n == nil {
		return errors.New("gorums: AddNode: nil node")
	}
	_, _, err := m.addNodes([]*Node{n}, false)
	if err != nil {
		return fmt.Errorf("gorums: AddNode: %w", err)
	}
	return nil
}

// addNodes adds the nodes of specs that the manager does not have, all or none; a spec equal
// to a node the manager has (same ID, same server) stands for that node if reuse is set, and is
// an error otherwise. It returns the manager's node for each spec, and those it created.
func (m *Manager) addNodes(specs []*Node, reuse bool) (nodes, created []*Node, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil, ErrClosed
	}
	if err := distinct(specs); err != nil {
		return nil, nil, err
	}
	nodes = make([]*Node, len(specs))
	for i, s := range specs {
		if err := m.checkNew(s, reuse); err != nil {
			return nil, nil, err
		}
		if have, ok := m.nodes[s.id]; ok {
			nodes[i] = have
		}
	}
	for i, s := range specs {
		if nodes[i] != nil {
			continue
		}
		actor, err := callproto.StartNode(m.ctx, m.opts.nodeConfig(s.id, s.addr, m.runtime))
		if err != nil {
			for _, n := range created {
				m.forget(n)
				n.actorOf().Close()
			}
			return nil, nil, fmt.Errorf("%v: %w", s, err)
		}
		s.mgr = m
		s.actor.Store(actor)
		m.nodes[s.id], m.byAddr[s.resolved] = s, s
		created = append(created, s)
		nodes[i] = s
	}
	if len(created) > 0 {
		m.sorted = sortedNodes(m.nodes)
	}
	return nodes, created, nil
}

// checkNew says why spec s cannot join the manager: its ID or its server is taken by another
// node, or it belongs to another manager. With reuse, a spec for a node the manager has (same
// ID, same server) is fine.
func (m *Manager) checkNew(s *Node, reuse bool) error {
	if s.mgr != nil && s.mgr != m {
		return fmt.Errorf("%v belongs to another manager", s)
	}
	have, idTaken := m.nodes[s.id]
	same, addrTaken := m.byAddr[s.resolved]
	switch {
	case idTaken && addrTaken && have == same && (reuse || have == s):
		if !reuse {
			return fmt.Errorf("%v is already in the manager", s)
		}
		return nil
	case idTaken:
		return fmt.Errorf("node ID %d of %q is already used by %q", s.id, s.addr, have.addr)
	case addrTaken:
		return fmt.Errorf("%q (ID %d) is the server %s, which the manager already has as node %d (%q); one server counts once",
			s.addr, s.id, s.resolved, same.id, same.addr)
	}
	return nil
}

// distinct refuses a list of nodes in which two have the same ID or the same server.
func distinct(specs []*Node) error {
	byID := make(map[uint32]*Node, len(specs))
	byAddr := make(map[string]*Node, len(specs))
	for _, s := range specs {
		if o, ok := byAddr[s.resolved]; ok {
			if o.id == s.id {
				return fmt.Errorf("%q and %q are the same server %s, listed twice", o.addr, s.addr, s.resolved)
			}
			return fmt.Errorf("%q (ID %d) and %q (ID %d) are the same server %s; one server counts once",
				o.addr, o.id, s.addr, s.id, s.resolved)
		}
		if o, ok := byID[s.id]; ok {
			return fmt.Errorf("%q and %q have the same node ID %d", o.addr, s.addr, s.id)
		}
		byID[s.id], byAddr[s.resolved] = s, s
	}
	return nil
}

func (m *Manager) forget(n *Node) {
	delete(m.nodes, n.id)
	delete(m.byAddr, n.resolved)
	n.mgr = nil
	n.actor.Store(nil)
}

func sortedNodes(nodes map[uint32]*Node) []*Node {
	out := make([]*Node, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b *Node) int { return cmp.Compare(a.id, b.id) })
	return out
}

// Close stops every node actor and waits for them: calls in flight fail with Unavailable and
// nothing the manager started is left running. Calling Close again does nothing.
func (m *Manager) Close() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	m.runtime.Closed.Store(true)
	nodes := m.sorted
	m.mu.Unlock()
	m.cancel()
	for _, n := range nodes {
		n.actorOf().Close()
	}
}

func init() {
	link.AddNodes = func(m *Manager, specs []link.NodeSpec) (nodes, created []*Node, err error) {
		ns := make([]*Node, len(specs))
		for i, s := range specs {
			if ns[i], err = NewNodeWithID(s.Addr, s.ID); err != nil {
				return nil, nil, err
			}
		}
		return m.addNodes(ns, true)
	}
	link.Actor = func(n *Node) *callproto.NodeActor { return n.actorOf() }
	link.Runtime = func(m *Manager) *callproto.Runtime { return m.runtime }
}
