package configuration

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/quorumcall/gorums/internal/link"
	"github.com/quorumcall/gorums/manager"
)

// NodeListOption says which nodes a new configuration has. It is made by WithNodeList,
// WithNodeMap, WithNodeIDs and a configuration's set algebra (And, Except, WithNewNodes,
// WithoutNodes); the nodes are looked up or created when the configuration is made.
type NodeListOption interface {
	newConfig(mgr *manager.Manager) (Configuration, error)
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("gorums: "+format, args...)
}

// nodeSpecs is a node list given by address: it may create nodes. A manager holds one node
// per server, so an address the manager has under another ID, or two entries for one server,
// are refused.
type nodeSpecs struct {
	name  string // the option's name, for errors
	specs func() ([]link.NodeSpec, error)
}

func (o nodeSpecs) newConfig(mgr *manager.Manager) (Configuration, error) {
	specs, err := o.specs()
	if err != nil {
		return Configuration{}, errorf("%s: %w", o.name, err)
	}
	nodes, created, err := addNodes(mgr, specs)
	if errors.Is(err, manager.ErrClosed) {
		return Configuration{}, err // it says "gorums:" itself
	}
	if err != nil {
		return Configuration{}, errorf("%s: %w", o.name, err)
	}
	slices.SortFunc(nodes, func(a, b *manager.Node) int { return cmp.Compare(a.ID(), b.ID()) })
	c := newConfiguration(mgr, nodes)
	if err := waitConnected(c, created); err != nil {
		return Configuration{}, errorf("%s: %w", o.name, err)
	}
	return c, nil
}

// waitConnected waits up to the manager's dial timeout (if any) for the configuration's new
// nodes to connect, and names every one that did not. New are the nodes it created and those
// that have never connected yet (made by an earlier call that failed, say, and still
// trying), so that a retry of a failed call waits again instead of succeeding at once.
func waitConnected(c Configuration, created []*manager.Node) error {
	d := c.rt.DialTimeout
	if d <= 0 {
		return nil
	}
	var waitFor []int
	for i, a := range c.actors {
		if slices.Contains(created, c.nodes[i]) || !a.EverConnected() {
			waitFor = append(waitFor, i)
		}
	}
	if len(waitFor) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var failed notConnected
	for _, i := range waitFor {
		// The node's WaitConnected ends when its manager closes, too.
		if err := c.actors[i].WaitConnected(ctx); err != nil {
			failed = append(failed, fmt.Errorf("%v: %w", c.nodes[i], err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not connect within %v to %d of %d new %s: %w",
			d, len(failed), len(waitFor), plural(len(waitFor), "node", "nodes"), failed)
	}
	return nil
}

// notConnected is the nodes' errors of waitConnected, each naming its node, on one line;
// errors.Is and errors.As see each.
type notConnected []error

func (e notConnected) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e notConnected) Unwrap() []error { return e }

// WithNodeList makes a configuration of the nodes at addrs ("host:port"), creating those the
// manager does not have yet. Node IDs are derived from the resolved addresses (manager.NodeID).
func WithNodeList(addrs []string) NodeListOption {
	addrs = slices.Clone(addrs)
	return nodeSpecs{name: "WithNodeList", specs: func() ([]link.NodeSpec, error) {
		if len(addrs) == 0 {
			return nil, errors.New("no addresses")
		}
		specs := make([]link.NodeSpec, 0, len(addrs))
		for _, addr := range addrs {
			id, _, err := manager.NodeID(addr)
			if err != nil {
				return nil, err
			}
			specs = append(specs, link.NodeSpec{ID: id, Addr: addr})
		}
		return specs, nil
	}}
}

// WithNodeMap makes a configuration of the nodes at the map's addresses, with the IDs it gives.
func WithNodeMap(idMap map[string]uint32) NodeListOption {
	m := make(map[string]uint32, len(idMap))
	for k, v := range idMap {
		m[k] = v
	}
	return nodeSpecs{name: "WithNodeMap", specs: func() ([]link.NodeSpec, error) {
		if len(m) == 0 {
			return nil, errors.New("no addresses")
		}
		specs := make([]link.NodeSpec, 0, len(m))
		for addr, id := range m {
			specs = append(specs, link.NodeSpec{ID: id, Addr: addr})
		}
		// Map order is random; sorted, the first conflict found is always the same.
		slices.SortFunc(specs, func(a, b link.NodeSpec) int { return strings.Compare(a.Addr, b.Addr) })
		return specs, nil
	}}
}

// WithNodeIDs makes a configuration of nodes the manager already has, by ID.
func WithNodeIDs(ids []uint32) NodeListOption {
	ids = slices.Clone(ids)
	return derived(func(mgr *manager.Manager) ([]uint32, error) {
		if len(ids) == 0 {
			return nil, errorf("WithNodeIDs: no node IDs")
		}
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		for i := 1; i < len(sorted); i++ {
			if sorted[i] == sorted[i-1] {
				return nil, errorf("WithNodeIDs: node ID %d is listed twice", sorted[i])
			}
		}
		return sorted, nil
	})
}

// derived is a node list of nodes the manager already has, computed from IDs. Its function's
// errors are complete (made with errorf, or a nested option's error passed on).
type derived func(mgr *manager.Manager) ([]uint32, error)

func (f derived) newConfig(mgr *manager.Manager) (Configuration, error) {
	if runtimeOf(mgr).Closed.Load() {
		return Configuration{}, manager.ErrClosed
	}
	ids, err := f(mgr)
	if err != nil {
		return Configuration{}, err // derived functions return complete "gorums: ..." errors
	}
	nodes := make([]*manager.Node, 0, len(ids))
	for _, id := range ids {
		n, ok := mgr.Node(id)
		if !ok {
			return Configuration{}, errorf("node ID %d is not in the manager", id)
		}
		nodes = append(nodes, n)
	}
	return newConfiguration(mgr, nodes), nil
}
