package manager

import "sort"

// MultiSorter sorts nodes by a list of less functions: by the first, then, among nodes the
// first finds equal, by the second, and so on. Make one with OrderedBy.
type MultiSorter struct {
	nodes []*Node
	less  []func(n1, n2 *Node) bool
}

// OrderedBy returns a MultiSorter that sorts by the less functions, in order.
//
//	OrderedBy(Port, ID).Sort(nodes)
func OrderedBy(less ...func(n1, n2 *Node) bool) *MultiSorter {
	return &MultiSorter{less: less}
}

// Sort sorts nodes in place.
func (ms *MultiSorter) Sort(nodes []*Node) {
	ms.nodes = nodes
	sort.Sort(ms)
	ms.nodes = nil
}

// Len is part of sort.Interface.
func (ms *MultiSorter) Len() int { return len(ms.nodes) }

// Swap is part of sort.Interface.
func (ms *MultiSorter) Swap(i, j int) { ms.nodes[i], ms.nodes[j] = ms.nodes[j], ms.nodes[i] }

// Less is part of sort.Interface: the first less function that tells the nodes apart decides.
func (ms *MultiSorter) Less(i, j int) bool {
	p, q := ms.nodes[i], ms.nodes[j]
	for _, less := range ms.less {
		switch {
		case less(p, q):
			return true
		case less(q, p):
			return false
		}
	}
	return false
}

// ID orders nodes by increasing ID.
func ID(n1, n2 *Node) bool { return n1.id < n2.id }

// Port orders nodes by their address's port, as text.
func Port(n1, n2 *Node) bool { return n1.Port() < n2.Port() }

// LastNodeError puts nodes with a last error before nodes without one.
func LastNodeError(n1, n2 *Node) bool { return n1.LastErr() != nil && n2.LastErr() == nil }

// Latency orders nodes by increasing measured latency; nodes not yet measured come last.
func Latency(n1, n2 *Node) bool {
	l1, l2 := n1.Latency(), n2.Latency()
	switch {
	case l1 == 0:
		return false
	case l2 == 0:
		return true
	}
	return l1 < l2
}
