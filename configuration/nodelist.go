package configuration

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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

// nodeSpecs is a node list given by address: it may create nodes.
type nodeSpecs struct {
	name  string // the option's name, for errors
	specs func() ([]manager.NodeSpec, error)
}

func (o nodeSpecs) newConfig(mgr *manager.Manager) (Configuration, error) {
	specs, err := o.specs()
	if err != nil {
		return Configuration{}, errorf("%s: %w", o.name, err)
	}
	slices.SortFunc(specs, func(a, b manager.NodeSpec) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i < len(specs); i++ {
		if specs[i].ID == specs[i-1].ID {
			return Configuration{}, errorf("%s: %s and %s have the same node ID %d", o.name, specs[i-1].Addr, specs[i].Addr, specs[i].ID)
		}
	}
	nodes, created, err := mgr.AddNodes(specs)
	if err != nil {
		return Configuration{}, errorf("%s: %w", o.name, err)
	}
	if err := waitConnected(mgr, created); err != nil {
		return Configuration{}, errorf("%s: %w", o.name, err)
	}
	return Configuration{mgr: mgr, nodes: nodes}, nil
}

// waitConnected waits up to the manager's dial timeout (if any) for new nodes to connect.
func waitConnected(mgr *manager.Manager, nodes []*manager.Node) error {
	d := mgr.DialTimeout()
	if d <= 0 || len(nodes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var failed []string
	var errs []error
	for _, n := range nodes {
		if err := n.WaitConnected(ctx); err != nil {
			failed = append(failed, n.String())
			errs = append(errs, fmt.Errorf("%v: %w", n, err))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("could not connect within %v to %s: %w", d, strings.Join(failed, ", "), errors.Join(errs...))
	}
	return nil
}

// WithNodeList makes a configuration of the nodes at addrs ("host:port"), creating those the
// manager does not have yet. Node IDs are derived from the resolved addresses (manager.NodeID).
func WithNodeList(addrs []string) NodeListOption {
	addrs = slices.Clone(addrs)
	return nodeSpecs{name: "WithNodeList", specs: func() ([]manager.NodeSpec, error) {
		if len(addrs) == 0 {
			return nil, errors.New("no addresses")
		}
		specs := make([]manager.NodeSpec, 0, len(addrs))
		seen := make(map[string]string, len(addrs))
		for _, addr := range addrs {
			id, resolved, err := manager.NodeID(addr)
			if err != nil {
				return nil, err
			}
			if prev, dup := seen[resolved]; dup {
				return nil, fmt.Errorf("address %q is listed twice (as %q and %q)", resolved, prev, addr)
			}
			seen[resolved] = addr
			specs = append(specs, manager.NodeSpec{ID: id, Addr: addr})
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
	return nodeSpecs{name: "WithNodeMap", specs: func() ([]manager.NodeSpec, error) {
		if len(m) == 0 {
			return nil, errors.New("no addresses")
		}
		specs := make([]manager.NodeSpec, 0, len(m))
		for addr, id := range m {
			if _, _, err := manager.NodeID(addr); err != nil {
				return nil, err
			}
			specs = append(specs, manager.NodeSpec{ID: id, Addr: addr})
		}
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
	return Configuration{mgr: mgr, nodes: nodes}, nil
}
