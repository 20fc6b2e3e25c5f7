// Package link lets the packages of this module reach parts of each other that are not API.
// Package configuration runs calls on the node actors that package manager owns, but users of
// manager must never see actors, message IDs or pending entries; so manager hands the
// functions that reach them over here when it is initialised, and configuration takes them
// from here. Go runs manager's init before configuration's, because configuration imports
// manager.
//
// The variables are typed any because this package may import neither of the two; each has
// one documented type, asserted once by its user. Nothing here starts goroutines or holds
// state after initialisation.
package link

// NodeSpec names a node to add to a manager: its ID, its address as given, and, for error
// messages, the option entry it came from.
type NodeSpec struct {
	ID   uint32
	Addr string
}

var (
	// AddNodes has type func(*manager.Manager, []NodeSpec) (nodes, created []*manager.Node, err error):
	// the manager's nodes for specs, creating those it lacks, all or none.
	AddNodes any
	// Actor has type func(*manager.Node) *callproto.NodeActor: the node's actor, nil if the
	// node is in no manager.
	Actor any
	// Runtime has type func(*manager.Manager) *callproto.Runtime: what calls on the manager's
	// nodes share.
	Runtime any
)
