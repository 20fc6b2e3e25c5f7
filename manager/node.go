package manager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/quorumcall/gorums/internal/callproto"
)

// Node is one server of a Manager's pool. Calls to it go through its actor, which the manager
// starts when the node joins it. Its methods are safe for concurrent use.
type Node struct {
	id       uint32
	addr     string // as given
	resolved string // the resolved "ip:port": one server, one node
	mgr      *Manager
	actor    atomic.Pointer[callproto.NodeActor] // set when the node joins a manager
}

// NewNode returns a node for the server at addr ("host:port"), with the ID WithNodeList would
// give it (NodeID). Add it to a manager with Manager.AddNode.
func NewNode(addr string) (*Node, error) {
	id, resolved, err := NodeID(addr)
	if err != nil {
		return nil, err
	}
	return &Node{id: id, addr: addr, resolved: resolved}, nil
}

// NewNodeWithID returns a node for the server at addr with the given ID.
func NewNodeWithID(addr string, id uint32) (*Node, error) {
	_, resolved, err := NodeID(addr)
	if err != nil {
		return nil, err
	}
	return &Node{id: id, addr: addr, resolved: resolved}, nil
}

func (n *Node) actorOf() *callproto.NodeActor { return n.actor.Load() }

// ID returns the node's ID.
func (n *Node) ID() uint32 { return n.id }

// Address returns the node's address as it was given.
func (n *Node) Address() string { return n.addr }

// Host returns the host part of the node's address.
func (n *Node) Host() string {
	host, _, _ := net.SplitHostPort(n.addr)
	return host
}

// Port returns the port part of the node's address.
func (n *Node) Port() string {
	_, port, _ := net.SplitHostPort(n.addr)
	return port
}

// String returns "node <id> (<addr>)".
func (n *Node) String() string { return fmt.Sprintf("node %d (%s)", n.id, n.addr) }

// FullString describes the node and its state: its ID, address, whether it is connected, its
// latency and its last error.
func (n *Node) FullString() string {
	state := "not in a manager"
	if n.actorOf() != nil {
		state = "not connected"
		if n.Connected() {
			state = "connected"
		}
	}
	s := fmt.Sprintf("node %d (%s): %s, latency %v", n.id, n.addr, state, n.Latency())
	if err := n.LastErr(); err != nil {
		s += fmt.Sprintf(", last error: %v", err)
	}
	return s
}

// LastErr returns the last transport error seen for the node (a failed connection attempt or a
// broken stream), or nil if there was none.
func (n *Node) LastErr() error {
	if a := n.actorOf(); a != nil {
		return a.LastErr()
	}
	return nil
}

// Latency returns a moving average of the time from the start of a call to the node's reply
// (its time in the node's queue included), or 0 before the first reply.
func (n *Node) Latency() time.Duration {
	if a := n.actorOf(); a != nil {
		return a.Latency()
	}
	return 0
}

// Connected reports whether the node currently has an open stream.
func (n *Node) Connected() bool {
	a := n.actorOf()
	return a != nil && a.Connected()
}

// WaitConnected waits until the node has an open stream, ctx ends or its manager closes. If
// ctx ends it returns the node's last error, or ctx's; if the manager closes, Unavailable.
func (n *Node) WaitConnected(ctx context.Context) error {
	a := n.actorOf()
	if a == nil {
		return errNotInManager
	}
	return a.WaitConnected(ctx)
}

var errNotInManager = errors.New("gorums: the node is in no manager")
