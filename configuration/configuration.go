package configuration

import (
	"errors"
	"slices"

	"go.uber.org/zap"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/internal/link"
	"github.com/quorumcall/gorums/manager"
)

// Configuration is an immutable set of nodes of one Manager, sorted by ID. Configurations are
// values; they share the nodes (and so the node actors) of their manager. All methods are safe
// for concurrent use.
type Configuration struct {
	mgr    *manager.Manager
	rt     *callproto.Runtime
	nodes  []*manager.Node        // sorted by ID, never modified after construction
	actors []*callproto.NodeActor // the nodes' actors, by position
}

// The parts of package manager that calls need and users never see (package link).
var (
	addNodes   = link.AddNodes.(func(*manager.Manager, []link.NodeSpec) ([]*manager.Node, []*manager.Node, error))
	actorOf    = link.Actor.(func(*manager.Node) *callproto.NodeActor)
	runtimeOf  = link.Runtime.(func(*manager.Manager) *callproto.Runtime)
	errNoActor = errors.New("gorums: the node is in no manager (add it with Manager.AddNode)")
)

// New returns the configuration that opt describes on mgr.
func New(mgr *manager.Manager, opt NodeListOption) (Configuration, error) {
	if mgr == nil {
		return Configuration{}, errorf("nil manager")
	}
	if opt == nil {
		return Configuration{}, errorf("nil node list option")
	}
	return opt.newConfig(mgr)
}

// newConfiguration makes the configuration of nodes, which belong to mgr.
func newConfiguration(mgr *manager.Manager, nodes []*manager.Node) Configuration {
	c := Configuration{mgr: mgr, rt: runtimeOf(mgr), nodes: nodes, actors: make([]*callproto.NodeActor, len(nodes))}
	for i, n := range nodes {
		c.actors[i] = actorOf(n)
	}
	return c
}

// single is the configuration of one node, for calls on a node.
func single(n *manager.Node) (Configuration, error) {
	a := actorOf(n)
	if a == nil {
		return Configuration{}, errNoActor
	}
	return Configuration{rt: a.Runtime(), nodes: []*manager.Node{n}, actors: []*callproto.NodeActor{a}}, nil
}

func (c Configuration) ids() *callproto.MsgIDs {
	if c.rt == nil {
		return &unusedIDs // the empty configuration sends nothing
	}
	return &c.rt.IDs
}

var unusedIDs callproto.MsgIDs

func (c Configuration) interceptors() []manager.ClientInterceptor {
	if c.rt == nil {
		return nil
	}
	ics, _ := c.rt.Interceptors.([]manager.ClientInterceptor)
	return ics
}

func (c Configuration) logger() *zap.Logger {
	if c.rt == nil {
		return zap.NewNop()
	}
	return c.rt.Logger
}

// Manager returns the manager the configuration's nodes belong to.
func (c Configuration) Manager() *manager.Manager { return c.mgr }

// Nodes returns the configuration's nodes sorted by ID. The slice must not be modified.
func (c Configuration) Nodes() []*manager.Node { return c.nodes }

// NodeIDs returns the IDs of the configuration's nodes, in increasing order.
func (c Configuration) NodeIDs() []uint32 {
	ids := make([]uint32, len(c.nodes))
	for i, n := range c.nodes {
		ids[i] = n.ID()
	}
	return ids
}

// Size returns the number of nodes.
func (c Configuration) Size() int { return len(c.nodes) }

// Equal reports whether c and b have the same nodes.
func (c Configuration) Equal(b Configuration) bool {
	return c.mgr == b.mgr && equalIDs(c.NodeIDs(), b.NodeIDs())
}

// WithNewNodes returns a node list of c's nodes and those of opt.
func (c Configuration) WithNewNodes(opt NodeListOption) NodeListOption {
	return derived(func(mgr *manager.Manager) ([]uint32, error) {
		if err := c.sameManager(mgr); err != nil {
			return nil, err
		}
		if opt == nil {
			return nil, errorf("WithNewNodes: nil node list option")
		}
		more, err := opt.newConfig(mgr)
		if err != nil {
			return nil, err
		}
		return union(c.NodeIDs(), more.NodeIDs()), nil
	})
}

// And returns a node list of the nodes in c or b.
func (c Configuration) And(b Configuration) NodeListOption {
	return derived(func(mgr *manager.Manager) ([]uint32, error) {
		if err := c.sameManager(mgr); err != nil {
			return nil, err
		}
		if err := b.sameManager(mgr); err != nil {
			return nil, err
		}
		return union(c.NodeIDs(), b.NodeIDs()), nil
	})
}

// WithoutNodes returns a node list of c's nodes except those with the given IDs. IDs that are
// not in c are ignored.
func (c Configuration) WithoutNodes(ids ...uint32) NodeListOption {
	rm := slices.Clone(ids)
	slices.Sort(rm)
	rm = slices.Compact(rm)
	return derived(func(mgr *manager.Manager) ([]uint32, error) {
		if err := c.sameManager(mgr); err != nil {
			return nil, err
		}
		return difference(c.NodeIDs(), rm), nil
	})
}

// Except returns a node list of c's nodes that are not in b.
func (c Configuration) Except(b Configuration) NodeListOption {
	return derived(func(mgr *manager.Manager) ([]uint32, error) {
		if err := c.sameManager(mgr); err != nil {
			return nil, err
		}
		if err := b.sameManager(mgr); err != nil {
			return nil, err
		}
		return difference(c.NodeIDs(), b.NodeIDs()), nil
	})
}

// sameManager checks that a configuration used in set algebra belongs to mgr. The zero
// Configuration is the empty set of any manager.
func (c Configuration) sameManager(mgr *manager.Manager) error {
	if c.mgr != nil && c.mgr != mgr {
		return errorf("a configuration of another manager cannot be combined with this one")
	}
	return nil
}
