package configuration

import (
	"errors"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/manager"
)

// WithoutErrors returns a node list of c's nodes except those that failed in err, a
// QuorumCallError (or an error wrapping one). With codes, only nodes whose failure has one of
// those gRPC codes are left out. An err that holds no QuorumCallError leaves out no node.
//
//	if _, err := cfg.Write(ctx, req); err != nil {
//		cfg, _ = mgr.NewConfiguration(qspec, cfg.WithoutErrors(err, codes.Unavailable))
//	}
func (c Configuration) WithoutErrors(err error, codes ...codes.Code) NodeListOption {
	var failed []uint32
	var qcErr QuorumCallError
	if errors.As(err, &qcErr) {
		for _, ne := range qcErr.Errors {
			if len(codes) == 0 || slices.Contains(codes, status.Code(ne.Cause)) {
				failed = append(failed, ne.NodeID)
			}
		}
	}
	return c.WithoutNodes(failed...)
}

// SortedByLatency returns c's nodes ordered by their measured latency, fastest first; nodes
// without a measurement yet come last, by ID.
func (c Configuration) SortedByLatency() []*manager.Node {
	nodes := slices.Clone(c.nodes)
	manager.OrderedBy(manager.Latency, manager.ID).Sort(nodes)
	return nodes
}

// Fastest returns a node list of the k nodes of c with the lowest measured latency (see
// SortedByLatency), so that a protocol can send to its fastest quorum. A k larger than c is
// all of c.
func (c Configuration) Fastest(k int) NodeListOption {
	nodes := c.SortedByLatency()
	if k < len(nodes) {
		nodes = nodes[:max(k, 0)]
	}
	ids := make([]uint32, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID()
	}
	slices.Sort(ids)
	return derived(func(mgr *manager.Manager) ([]uint32, error) {
		if err := c.sameManager(mgr); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, errorf("Fastest(%d): no nodes", k)
		}
		return ids, nil
	})
}
