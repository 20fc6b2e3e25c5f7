package manager

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
)

// Node is the public handle of one server in a Manager's pool. Its methods are safe for
// concurrent use. All traffic to the node goes through its actor (node_actor.go).
type Node struct {
	mgr  *Manager
	id   uint32
	addr string
	log  *zap.Logger // fixed fields node_id and addr

	mailbox *actor.Mailbox[nodeMsg]
	actor   *actor.Actor[nodeMsg]
	state   *nodeActor // owned by the actor's goroutine; never touched from here
	pending pendingTable

	lastErr atomic.Pointer[errorBox]
	latency atomic.Int64 // moving average of reply latency, in nanoseconds
	// gotReply is set by the stream's receiver once the current stream has carried a reply.
	gotReply atomic.Bool

	readyMu sync.Mutex
	ready   chan struct{} // closed while the node has a stream; replaced when it loses it
}

type errorBox struct{ err error }

// ID returns the node's ID.
func (n *Node) ID() uint32 { return n.id }

// Address returns the address the node was created with.
func (n *Node) Address() string { return n.addr }

// String returns "node <id> (<addr>)".
func (n *Node) String() string { return fmt.Sprintf("node %d (%s)", n.id, n.addr) }

// LastErr returns the last transport error seen for the node (a failed connection attempt or a
// broken stream), or nil if there was none.
func (n *Node) LastErr() error {
	if b := n.lastErr.Load(); b != nil {
		return b.err
	}
	return nil
}

// Latency returns a moving average of the time from sending a request to the node to receiving
// its reply, or 0 before the first reply.
func (n *Node) Latency() time.Duration { return time.Duration(n.latency.Load()) }

// Connected reports whether the node currently has an open stream.
func (n *Node) Connected() bool {
	select {
	case <-n.readyChan():
		return true
	default:
		return false
	}
}

func (n *Node) readyChan() chan struct{} {
	n.readyMu.Lock()
	defer n.readyMu.Unlock()
	return n.ready
}

func (n *Node) setReady(ok bool) {
	n.readyMu.Lock()
	defer n.readyMu.Unlock()
	select {
	case <-n.ready:
		if !ok {
			n.ready = make(chan struct{})
		}
	default:
		if ok {
			close(n.ready)
		}
	}
}

// WaitConnected waits until the node has an open stream or ctx ends; in the latter case it
// returns the node's last error, or ctx's.
func (n *Node) WaitConnected(ctx context.Context) error {
	select {
	case <-n.readyChan():
		return nil
	case <-ctx.Done():
		if err := n.LastErr(); err != nil {
			return err
		}
		return ctx.Err()
	}
}

func (n *Node) recordLatency(d time.Duration) {
	// An exponentially weighted moving average, weight 1/8 for the newest sample. Only the
	// stream's receiver writes it, so a plain load and store suffice.
	old := n.latency.Load()
	if old == 0 {
		n.latency.Store(int64(d))
		return
	}
	n.latency.Store(old + (int64(d)-old)/8)
}

func (n *Node) setLastErr(err error) { n.lastErr.Store(&errorBox{err}) }

// Enqueue puts r into n's mailbox, waiting while it is full until r.Ctx ends. It is how the
// call engines of package configuration reach a node; applications use the generated methods.
// On error r was not queued, and no Response will come for it.
func Enqueue(n *Node, r Request) error {
	err := n.mailbox.Send(r.Ctx, nodeMsg{kind: msgRequest, req: r})
	if err == actor.ErrStopped {
		return n.closedError()
	}
	return err
}

// NextMsgID returns a new message ID from the counter of n's manager.
func NextMsgID(n *Node) uint64 { return n.mgr.NextMsgID() }

// LoggerOf returns n's logger, which carries the node_id and addr fields.
func LoggerOf(n *Node) *zap.Logger { return n.log }

// TryEnqueue puts r into n's mailbox if it has room. A full mailbox means the node is not
// keeping up (hung, or far slower than the rest): the request fails at once with
// ResourceExhausted instead of adding to a backlog, so that a quorum call goes on with the
// other nodes and memory stays bounded by WithSendBufferSize.
func TryEnqueue(n *Node, r Request) error {
	switch err := n.mailbox.TrySend(nodeMsg{kind: msgRequest, req: r}); err {
	case nil:
		return nil
	case actor.ErrStopped:
		return n.closedError()
	default:
		return status.Errorf(codes.ResourceExhausted, "%v: %d messages already queued for the node", n, n.mailbox.Cap())
	}
}

// Forget drops the pending entry of a request whose call has ended, so a reply that comes
// later, or never, costs nothing.
func Forget(n *Node, msgID uint64) { n.pending.remove(msgID) }

// PendingCount reports how many requests to n await replies (for tests and diagnostics).
func PendingCount(n *Node) int { return n.pending.len() }

func (n *Node) closedError() error {
	return status.Errorf(codes.Unavailable, "%v: manager closed", n)
}

func (n *Node) unavailable(err error) error {
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		return status.Errorf(s.Code(), "%v: %s", n, s.Message())
	}
	return status.Errorf(codes.Unavailable, "%v: %v", n, err)
}

// newNode creates a node and starts its actor, which connects in the background.
func newNode(ctx context.Context, mgr *Manager, id uint32, addr string, o *options) (*Node, error) {
	dialOpts := append([]grpc.DialOption{
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: o.backoff, MinConnectTimeout: minConnectTimeout(o)}),
	}, o.dialOpts...)
	conn, err := grpc.NewClient(addr, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("node %d (%s): %w", id, addr, err)
	}
	n := &Node{
		mgr:     mgr,
		id:      id,
		addr:    addr,
		log:     o.logger.With(logfield.NodeID(id), logfield.Addr(addr)),
		mailbox: actor.NewMailbox[nodeMsg](o.sendBuffer),
		ready:   make(chan struct{}),
	}
	n.state = &nodeActor{node: n, conn: conn, opts: o}
	// The first message is the first connection attempt, so requests queued behind it wait
	// for its outcome rather than failing before the node had a chance.
	_ = n.mailbox.TrySend(nodeMsg{kind: msgConnect})
	n.actor = actor.Start(ctx, n.mailbox, n.state.handle, actor.Config[nodeMsg]{
		Reject:  n.state.reject,
		OnPanic: n.state.onPanic,
		OnStop:  n.state.stop,
	})
	return n, nil
}

func minConnectTimeout(o *options) time.Duration {
	if o.dialTimeout > 0 {
		return o.dialTimeout
	}
	return 20 * time.Second // gRPC's own default
}

// close stops the node's actor and waits until it and its stream's receiver have returned.
func (n *Node) close() { n.actor.StopAndWait() }
