package callproto

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
)

// Config is what a node actor needs to know; the manager fills it from its options.
type Config struct {
	ID         uint32
	Addr       string
	Logger     *zap.Logger // the actor adds node_id and addr
	DialOpts   []grpc.DialOption
	Backoff    backoff.Config
	SendBuffer int
	Metadata   metadata.MD
	PerNodeMD  func(nodeID uint32) metadata.MD
	// ConnectWait bounds how long a request whose context has no deadline waits for the
	// node's first connection attempt.
	ConnectWait time.Duration
	// NoConnect makes a node that never connects: its requests fail with Unavailable.
	NoConnect bool
	// Runtime is what the calls on the node share with the other nodes of its manager.
	Runtime *Runtime
	// Batching announces batched frames to the node's server, and uses them if it confirms.
	Batching bool
	// ReceiveWindow, if not 0, is the static flow-control window (bytes) of the connection
	// and of its stream for what the server sends; 0 leaves gRPC's dynamic window.
	ReceiveWindow int32
}

// NodeActor is one node's actor: it alone owns the node's gRPC connection, its NodeStream, its
// reconnect state and its table of requests awaiting replies. Callers reach it only through a
// Call (Enqueue); its exported methods only read its published state and are safe for
// concurrent use.
type NodeActor struct {
	id   uint32
	addr string
	log  *zap.Logger // fixed fields node_id and addr
	rt   *Runtime

	mailbox *actor.Mailbox[nodeMsg]
	state   *actorState // owned by the holder of the run token (run_token.go)
	ctx     context.Context
	cancel  context.CancelFunc // stops the node
	handoff chan []nodeMsg     // the token, with messages, for the node's own goroutine
	wake    chan struct{}      // asks the node's own goroutine to run the mailbox
	done    chan struct{}      // closed when the node's goroutine has stopped it
	pending pendingTable
	late    lateReplies // when the requests of ended calls were sent, to measure late replies

	lastErr atomic.Pointer[errorBox]
	latency atomic.Int64 // moving average of reply latency, in nanoseconds
	// gotReply is set by the stream's receiver once the current stream has carried a reply.
	gotReply atomic.Bool
	// everConnected is set when the node has its first stream.
	everConnected atomic.Bool
	// liveGen is the generation of the stream the actor has, 0 if none: a receiver whose
	// stream the actor dropped knows that its error is the drop's, not news.
	liveGen atomic.Uint64

	// batchGen is the stream generation whose server confirmed batching (batch.go), and
	// peerLimit the largest message that server said it accepts (0: it did not say); set
	// before batchGen.
	batchGen  atomic.Uint64
	peerLimit atomic.Int64
	// receiptGen is the stream generation whose server confirmed read receipts, and receipt
	// the receipt request last sent, whose answer the stream's receiver looks for
	// (receipt.go).
	receiptGen atomic.Uint64
	receipt    atomic.Pointer[receiptRequest]

	// The run token and its bookkeeping (run_token.go).
	runMu    sync.Mutex   // held by whoever acts as the node's actor
	readMark atomic.Int64 // the stream offset up to which the server has read (replies show it)
	handOffs atomic.Int64 // how often a holder handed the token to the node's goroutine
	// maxSend is the largest message gRPC will send on the node's stream (0: no limit we
	// know of), read from the stream's call options when it opens (limits.go).
	maxSend atomic.Int64

	readyMu sync.Mutex
	ready   chan struct{} // closed while the node has a stream; replaced when it loses it
}

type errorBox struct{ err error }

// StartNode creates the node's connection and starts its actor, which connects in the
// background; parent ending (or Close) stops it.
func StartNode(parent context.Context, cfg Config) (*NodeActor, error) {
	n := &NodeActor{
		id:      cfg.ID,
		addr:    cfg.Addr,
		log:     cfg.Logger.With(logfield.NodeID(cfg.ID), logfield.Addr(cfg.Addr)),
		rt:      cfg.Runtime,
		mailbox: actor.NewMailbox[nodeMsg](cfg.SendBuffer),
		ready:   make(chan struct{}),
	}
	st := &actorState{node: n, cfg: cfg}
	if cfg.NoConnect {
		n.setLastErr(errNoConnect)
	} else {
		dialOpts := []grpc.DialOption{
			grpc.WithConnectParams(grpc.ConnectParams{Backoff: cfg.Backoff, MinConnectTimeout: minConnectTimeout}),
			grpc.WithChainStreamInterceptor(n.readCallLimits),
		}
		if cfg.ReceiveWindow > 0 {
			// A static window: gRPC then sends no bandwidth-delay probing ping per round
			// trip, which costs a small-message stream more than the window's growth is worth.
			dialOpts = append(dialOpts, grpc.WithInitialWindowSize(cfg.ReceiveWindow), grpc.WithInitialConnWindowSize(cfg.ReceiveWindow))
		}
		dialOpts = append(dialOpts, cfg.DialOpts...)
		conn, err := grpc.NewClient(cfg.Addr, dialOpts...)
		if err != nil {
			return nil, err
		}
		st.conn = conn
	}
	n.state = st
	n.ctx, n.cancel = context.WithCancel(parent)
	n.handoff = make(chan []nodeMsg, 1)
	n.wake = make(chan struct{}, 1)
	n.done = make(chan struct{})
	go n.run()
	// The first message starts the first connection attempt; requests that come meanwhile
	// wait for it in the mailbox. The mailbox is new, so it has room.
	_ = n.tryPost(nodeMsg{kind: msgStart})
	return n, nil
}

var errNoConnect = status.Error(codes.Unavailable, "not connected: the manager was made WithNoConnect")

// minConnectTimeout is gRPC's own default; requests do not wait for it (Config.ConnectWait).
const minConnectTimeout = 20 * time.Second

// ID returns the node's ID.
func (n *NodeActor) ID() uint32 { return n.id }

// Addr returns the node's address.
func (n *NodeActor) Addr() string { return n.addr }

// Runtime returns what the node's calls share with the other nodes of its manager.
func (n *NodeActor) Runtime() *Runtime { return n.rt }

// LastErr returns the last transport error seen for the node, or nil.
func (n *NodeActor) LastErr() error {
	if b := n.lastErr.Load(); b != nil {
		return b.err
	}
	return nil
}

// Latency returns the moving average of the node's reply latency, or 0 before a reply.
func (n *NodeActor) Latency() time.Duration { return time.Duration(n.latency.Load()) }

// Connected reports whether the node has an open stream.
func (n *NodeActor) Connected() bool {
	select {
	case <-n.readyChan():
		return true
	default:
		return false
	}
}

// EverConnected reports whether the node has had a stream at some time.
func (n *NodeActor) EverConnected() bool { return n.everConnected.Load() }

// WaitConnected waits until the node has an open stream, ctx ends or the node stops (its
// manager closed). If ctx ends it returns the node's last error, or ctx's; if the node stops,
// Unavailable.
func (n *NodeActor) WaitConnected(ctx context.Context) error {
	if n.Connected() {
		return nil // even if ctx has ended: a select would pick either case at random
	}
	select {
	case <-n.readyChan():
		return nil
	case <-n.ctx.Done():
		return n.closedError() // it never connects now
	case <-ctx.Done():
		if n.Connected() {
			return nil
		}
		if err := n.LastErr(); err != nil {
			return err
		}
		return ctx.Err()
	}
}

// PendingCount reports how many requests to the node await replies (for tests).
func (n *NodeActor) PendingCount() int { return n.pending.len() }

// Close stops the node's actor and waits until it and every goroutine it started have
// returned; requests still queued or in flight fail with Unavailable.
func (n *NodeActor) Close() {
	n.cancel()
	<-n.done
}

func (n *NodeActor) readyChan() chan struct{} {
	n.readyMu.Lock()
	defer n.readyMu.Unlock()
	return n.ready
}

func (n *NodeActor) setReady(ok bool) {
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

func (n *NodeActor) recordLatency(d time.Duration) {
	// An exponentially weighted moving average, weight 1/8 for the newest sample. Only the
	// stream's receiver writes it, so a plain load and store suffice.
	old := n.latency.Load()
	if old == 0 {
		n.latency.Store(int64(d))
		return
	}
	n.latency.Store(old + (int64(d)-old)/8)
}

func (n *NodeActor) setLastErr(err error) { n.lastErr.Store(&errorBox{err}) }

// Errors the node gives its calls. They do not name the node: the call that reports them
// does, once.

func (n *NodeActor) closedError() error {
	return status.Error(codes.Unavailable, "manager closed")
}

func (n *NodeActor) fullError() error {
	return status.Errorf(codes.ResourceExhausted, "%d messages already queued for the node", n.mailbox.Cap())
}

// unavailable turns a transport error into the status error calls see.
func unavailable(err error) error {
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		return s.Err()
	}
	return status.Error(codes.Unavailable, err.Error())
}

// String returns "node <id> (<addr>)".
func (n *NodeActor) String() string { return fmt.Sprintf("node %d (%s)", n.id, n.addr) }
