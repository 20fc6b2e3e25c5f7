package manager

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
)

type msgKind uint8

const (
	msgRequest msgKind = iota // put req on the stream
	msgConnect                // try to open the stream now (first attempt, or a retry)
	msgBroken                 // the receiver of stream gen saw err
	msgOpened                 // the connection watcher opened a stream (stream, cancel)
)

// nodeMsg is what a node's mailbox carries: requests from callers and events from the node's
// own stream receiver and retry timer, all handled in one order by one goroutine.
type nodeMsg struct {
	kind   msgKind
	req    Request
	gen    uint64
	err    error
	stream grpc.ClientStream  // msgOpened
	cancel context.CancelFunc // msgOpened: ends stream
}

// nodeActor is the state the node's actor goroutine owns: the connection, the current stream
// and the reconnect schedule. Only handle, reject and stop touch it, all on that goroutine.
type nodeActor struct {
	node *Node
	conn *grpc.ClientConn
	opts *options

	stream       grpc.ClientStream // nil while there is none
	cancelStream context.CancelFunc
	gen          uint64         // generation of the current (or last) stream
	goroutines   sync.WaitGroup // the stream receivers and the connection watcher

	attempted   bool // the first connection attempt is over
	watching    bool // a connection watcher is running
	attempts    int  // failed attempts since the last success
	nextAttempt time.Time
	retry       *time.Timer
}

func (a *nodeActor) handle(ctx context.Context, m nodeMsg) {
	switch m.kind {
	case msgRequest:
		a.send(ctx, m.req)
	case msgConnect:
		// A timer's ask that was overtaken (by a request that connected, or a later failure
		// that moved the next attempt) is dropped, so backoff is not cut short.
		if a.stream == nil && !time.Now().Before(a.nextAttempt) {
			a.connect(ctx)
		}
	case msgOpened:
		a.watching = false
		if a.stream != nil {
			m.cancel() // cannot happen while a watcher runs only without a stream; be safe
			return
		}
		a.install(ctx, m.stream, m.cancel)
	case msgBroken:
		if m.gen == a.gen && a.stream != nil {
			a.dropStream(m.err)
		}
		// Entries sent on that stream may have been added after its receiver gave up.
		a.failPending(m.gen, false, a.node.unavailable(m.err))
	}
}

func (a *nodeActor) send(ctx context.Context, r Request) {
	if withdrawn(r) {
		tellSent(r, r.Ctx.Err())
		return
	}
	if a.stream == nil && !time.Now().Before(a.nextAttempt) {
		a.connect(ctx)
	}
	if a.stream == nil {
		err := a.node.unavailable(a.lastErrOr(errors.New("not connected")))
		tellSent(r, err)
		if r.Reply != nil {
			deliver(r.Ctx, r.Done, r.Reply, Response{NodeID: a.node.id, Err: err})
		}
		return
	}
	if r.Reply != nil {
		a.node.pending.add(r.MsgID, pendingEntry{ctx: r.Ctx, reply: r.Reply, done: r.Done, stream: r.Stream, gen: a.gen, sentAt: time.Now()})
		// Add, then check. A call forgets its entries after it has returned, and it has
		// closed Done or seen its context end before that; so either this check sees it,
		// or the call's Forget sees the entry. Either way no entry outlives its call.
		if isClosed(r.Done) {
			a.node.pending.remove(r.MsgID) // returned with a result: send, but expect no reply
		} else if withdrawn(r) {
			a.node.pending.remove(r.MsgID)
			tellSent(r, r.Ctx.Err())
			return
		}
	}
	err := a.stream.SendMsg(r.Frame)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("stream closed by the server")
		}
		err = a.node.unavailable(err)
		tellSent(r, err)
		a.dropStream(err)
		a.failPending(a.gen, false, err)
		return
	}
	tellSent(r, nil)
}

// withdrawn reports whether r is not to be sent: its context ended while its call was still
// waiting. A call that has returned with a result closes Done first, so cancelling its
// context afterwards (the usual defer cancel()) never keeps a request from a slower node.
func withdrawn(r Request) bool {
	return r.Ctx.Err() != nil && !isClosed(r.Done)
}

func noMethod([]byte) string { return "" }

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func tellSent(r Request, err error) {
	if r.Sent != nil {
		r.Sent <- err
	}
}

func (a *nodeActor) lastErrOr(err error) error {
	if e := a.node.LastErr(); e != nil {
		return e
	}
	return err
}

// connect opens the node's stream. The first attempt runs here and waits for the connection
// to be made, so that requests queued behind it get their chance. Later attempts never block
// the actor: a watcher goroutine waits for the connection (a redial toward a node cut off by
// the network can hang for many seconds), opens the stream and hands it to the actor, while
// requests fail fast.
func (a *nodeActor) connect(ctx context.Context) {
	if a.retry != nil {
		a.retry.Stop()
		a.retry = nil
	}
	if a.attempted {
		a.watch(ctx)
		return
	}
	a.attempted = true
	streamCtx, cancel := context.WithCancel(metadata.NewOutgoingContext(ctx, a.streamMetadata()))
	a.conn.Connect()
	stream, err := a.conn.NewStream(streamCtx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
	if err != nil {
		cancel()
		a.node.setLastErr(err)
		a.attempts++
		// gRPC redials with the same backoff; until the next attempt is due requests fail
		// fast with this error, and the watcher brings the stream back as soon as it can.
		a.nextAttempt = time.Now().Add(backoffDelay(a.opts.backoff, a.attempts))
		a.node.log.Warn("connection attempt failed", logfield.Error(err), logfield.Attempt(a.attempts))
		a.watch(ctx)
		return
	}
	a.install(ctx, stream, cancel)
}

// streamMetadata is the metadata a new stream carries. It runs user code (the per-node
// metadata function), so it runs on the actor, where panics are contained.
func (a *nodeActor) streamMetadata() metadata.MD {
	md := a.opts.metadata.Copy()
	if a.opts.perNodeMD != nil {
		md = metadata.Join(md, a.opts.perNodeMD(a.node.id))
	}
	return md
}

// install makes stream the node's stream and starts its receiver.
func (a *nodeActor) install(ctx context.Context, stream grpc.ClientStream, cancel context.CancelFunc) {
	a.gen++
	a.stream, a.cancelStream = stream, cancel
	a.node.gotReply.Store(false)
	a.goroutines.Add(1)
	go a.receive(ctx, a.gen, stream)
	a.node.setReady(true)
	a.node.log.Info("node connected")
}

// dropStream forgets the current stream after it failed and schedules a new one.
func (a *nodeActor) dropStream(err error) {
	a.cancelStream()
	a.stream, a.cancelStream = nil, nil
	a.node.setLastErr(err)
	a.node.setReady(false)
	a.node.log.Warn("stream broken", logfield.Error(err))
	if a.node.gotReply.Swap(false) {
		// The stream worked for a while: the connection may well be fine, so try again at
		// once. A stream that never carried a reply backs off instead, so that a server
		// which refuses streams is not hammered.
		a.attempts = 0
		a.nextAttempt = time.Time{}
		a.retry = time.AfterFunc(0, a.postConnect)
		return
	}
	a.scheduleRetry()
}

func (a *nodeActor) scheduleRetry() {
	a.attempts++
	d := backoffDelay(a.opts.backoff, a.attempts)
	a.nextAttempt = time.Now().Add(d)
	a.retry = time.AfterFunc(d, a.postConnect)
	a.node.log.Info("reconnecting", logfield.Backoff(d))
}

// watch starts, unless one runs, the connection watcher: a goroutine that waits for the
// node's connection to be ready (asking gRPC to connect whenever it goes idle), opens a stream
// on it and hands the stream to the actor. Only NewStream may block on it, and it blocks only
// the watcher. The watcher ends with the node's context.
func (a *nodeActor) watch(ctx context.Context) {
	if a.watching {
		return
	}
	md := a.streamMetadata() // may panic (user code): before watching is set
	a.watching = true
	a.goroutines.Add(1)
	go func() {
		defer a.goroutines.Done()
		for {
			for st := a.conn.GetState(); st != connectivity.Ready; st = a.conn.GetState() {
				switch st {
				case connectivity.Shutdown:
					return
				case connectivity.Idle:
					a.conn.Connect()
				}
				if !a.conn.WaitForStateChange(ctx, st) {
					return // the node is closing
				}
			}
			streamCtx, cancel := context.WithCancel(metadata.NewOutgoingContext(ctx, md))
			stream, err := a.conn.NewStream(streamCtx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
			if err != nil {
				cancel()
				a.node.setLastErr(err) // the connection broke again; wait for the next one
				a.node.log.Warn("connection attempt failed", logfield.Error(err))
				if a.conn.GetState() == connectivity.Ready && !a.conn.WaitForStateChange(ctx, connectivity.Ready) {
					return // no spinning on a connection that stays ready but takes no stream
				}
				continue
			}
			if a.node.mailbox.Send(ctx, nodeMsg{kind: msgOpened, stream: stream, cancel: cancel}) != nil {
				cancel() // the node is closing
			}
			return
		}
	}()
}

// postConnect runs on a timer's goroutine: it only asks the actor to try again. A full mailbox
// drops the ask, which is harmless: the queued requests will try on their own.
func (a *nodeActor) postConnect() { _ = a.node.mailbox.TrySend(nodeMsg{kind: msgConnect}) }

// receive reads the replies of one stream and routes each to the call waiting for it.
func (a *nodeActor) receive(ctx context.Context, gen uint64, stream grpc.ClientStream) {
	defer a.goroutines.Done()
	n := a.node
	// Replies are matched by message ID; their method names are not needed.
	m := wire.Message{MethodOf: noMethod}
	for {
		err := stream.RecvMsg(&m)
		if err == nil && m.DecodeErr != nil {
			// A reply that does not decode cannot be routed: the stream is no longer usable.
			err = status.Errorf(codes.Internal, "malformed reply from the server: %v", m.DecodeErr)
		}
		if err != nil {
			if ctx.Err() != nil {
				// The node is closing: its stop fails what is pending, with "manager closed"
				// (Unavailable) rather than the Canceled error of the stream's context.
				return
			}
			// Record the error before failing the calls, so a caller that sees its call fail
			// also sees LastErr.
			n.setLastErr(err)
			a.failPending(gen, false, n.unavailable(err))
			// Tell the actor; if it has stopped, its stop already failed what was pending.
			_ = n.mailbox.Send(ctx, nodeMsg{kind: msgBroken, gen: gen, err: err})
			return
		}
		e, ok := n.pending.take(m.MessageID)
		if !ok {
			if ce := n.log.Check(zap.DebugLevel, "late reply dropped"); ce != nil {
				ce.Write(logfield.MsgID(m.MessageID))
			}
			continue
		}
		n.recordLatency(time.Since(e.sentAt))
		n.gotReply.Store(true)
		deliver(e.ctx, e.done, e.reply, Response{NodeID: n.id, Payload: m.Payload, Status: m.Status})
	}
}

func (a *nodeActor) failPending(gen uint64, all bool, err error) {
	for _, e := range a.node.pending.removeGen(gen, all) {
		deliver(e.ctx, e.done, e.reply, Response{NodeID: a.node.id, Err: err})
	}
}

// reject gives a request still queued when the node stops the error its caller should see.
func (a *nodeActor) reject(m nodeMsg, _ error) {
	if m.kind == msgOpened {
		m.cancel() // a stream the watcher opened as the node stopped
		return
	}
	if m.kind != msgRequest {
		return
	}
	err := a.node.closedError()
	tellSent(m.req, err)
	if m.req.Reply != nil {
		deliver(m.req.Ctx, m.req.Done, m.req.Reply, Response{NodeID: a.node.id, Err: err})
	}
}

// onPanic handles a panic recovered from handle: user code runs there (a per-node metadata
// function, logger cores, gRPC interceptors). The request, if it was one, fails with Internal.
// Whatever it was already told is not told again: the sends do not wait, and a reply is
// delivered only through its pending entry or if none was ever registered and sent.
func (a *nodeActor) onPanic(m nodeMsg, err error) {
	a.node.log.Error("node actor recovered from a panic", logfield.Error(err))
	if m.kind != msgRequest {
		if a.stream == nil && a.retry == nil {
			a.scheduleRetry() // a failed connect must still be retried
		}
		return
	}
	r := m.req
	perr := status.Errorf(codes.Internal, "%v: node actor recovered from a panic: %v", a.node, err)
	if r.Sent != nil {
		select {
		case r.Sent <- perr:
		default: // it was told already
		}
	}
	if r.Reply != nil {
		a.node.pending.remove(r.MsgID)
		select {
		case r.Reply <- Response{NodeID: a.node.id, Err: perr}:
		default: // full: the call has its answer from this node already
		}
	}
}

// stop releases everything the actor owns; it runs on the actor's goroutine as it ends.
func (a *nodeActor) stop() {
	if a.retry != nil {
		a.retry.Stop()
	}
	if a.cancelStream != nil {
		a.cancelStream()
	}
	a.stream = nil
	_ = a.conn.Close()
	a.goroutines.Wait()
	a.failPending(0, true, a.node.closedError())
	a.node.setReady(false)
	a.node.log.Info("node closed")
}
