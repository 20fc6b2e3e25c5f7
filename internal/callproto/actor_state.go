package callproto

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
)

type msgKind uint8

const (
	msgRequest   msgKind = iota // put req on the stream
	msgStart                    // begin the first connection attempt
	msgOpened                   // a watcher opened a stream (stream, cancel)
	msgBroken                   // the receiver of stream gen saw err
	msgRetry                    // the backoff after a stream that carried no reply is over
	msgFirstDone                // the first connection attempt has an outcome (a wake-up only)
)

// nodeMsg is what a node's mailbox carries: requests from calls and events from the node's own
// stream receiver, connection watcher and timers, all handled in one order by one goroutine.
type nodeMsg struct {
	kind   msgKind
	req    request
	gen    uint64
	err    error
	stream grpc.ClientStream  // msgOpened
	cancel context.CancelFunc // msgOpened: ends stream
}

// request is one call's message for one node.
type request struct {
	call  *Call
	index int32
	frame *wire.Frame
}

// openResult is the outcome of opening a stream.
type openResult struct {
	stream grpc.ClientStream
	cancel context.CancelFunc
	err    error
}

// actorState is what the holder of the node's run token owns: the connection, the current stream and
// the reconnect schedule. Only the actor's
// handle, reject, onPanic and stop touch it.
type actorState struct {
	node *NodeActor
	cfg  Config
	conn *grpc.ClientConn // nil with NoConnect

	// sentBytes counts the bytes put on the node's streams, all streams together; with the
	// node's readMark it tells whether an inline send surely has room (run_token.go).
	sentBytes int64
	batchBuf  []request  // reused by runMailbox
	oneBuf    [1]nodeMsg // reused by one
	// receiptAt is the stream offset after the last receipt request (receipt.go), and
	// receipts counts them, for their message IDs.
	receiptAt int64
	receipts  uint64

	stream       grpc.ClientStream // nil while there is none
	cancelStream context.CancelFunc
	gen          uint64         // generation of the current (or last) stream
	goroutines   sync.WaitGroup // the stream receivers and the connection watcher

	attempted bool            // the first connection attempt is over: without a stream, requests fail fast
	watching  bool            // a connection watcher is running
	first     chan openResult // the first attempt's outcome, until the actor takes it

	attempts    int       // streams in a row that carried no reply
	nextAttempt time.Time // no watcher starts before (backoff after a stream that carried nothing)
	retry       *time.Timer
}

// handle runs an event message; requests do not come here (runOne sends them).
func (a *actorState) handle(ctx context.Context, m nodeMsg) {
	if a.first != nil {
		select {
		case r := <-a.first:
			a.takeFirst(ctx, r)
		default:
		}
	}
	switch m.kind {
	case msgStart:
		if a.conn == nil {
			a.attempted = true // requests fail fast with errNoConnect
			return
		}
		a.firstAttempt(ctx)
	case msgOpened:
		a.watching = false
		if a.stream != nil {
			m.cancel() // cannot happen: a watcher runs only without a stream
			return
		}
		a.install(ctx, m.stream, m.cancel)
	case msgBroken:
		if m.gen == a.gen && a.stream != nil {
			a.dropStream(ctx, m.err)
		}
		// Entries sent on that stream may have been added after its receiver gave up.
		a.failPending(m.gen, false, unavailable(m.err))
	case msgRetry:
		a.retry = nil
		if a.stream == nil {
			a.watch(ctx)
		}
	case msgFirstDone: // taken above
	}
}

// admit does what comes before putting r on the stream: it refuses a message that gRPC would
// refuse, and registers r as pending (unless it is one-way), checking its call's state after,
// by the protocol of Call. It reports whether r is to be sent.
func (a *actorState) admit(r request, limit int) bool {
	n, c := a.node, r.call
	// gRPC ends the whole stream when it refuses a message as too large, failing every
	// request on it; a message that concerns no one else is refused here instead (limit is
	// sendLimit's, read once per batch).
	if limit > 0 && len(r.frame.Bytes) > limit {
		a.fail(r, status.Errorf(codes.ResourceExhausted,
			"request of %d bytes is larger than the %d bytes allowed (the client's grpc.MaxCallSendMsgSize or the server's grpc.MaxRecvMsgSize); it was not sent",
			len(r.frame.Bytes), limit))
		return false
	}
	a.sentBytes += int64(len(r.frame.Bytes))
	if c.kind == OneWay {
		return true
	}
	c.hold(r.index, heldEntry) // before anyone can find the entry and give it back
	n.pending.add(c.msgID, pendingEntry{call: c, index: r.index, gen: a.gen, offset: a.sentBytes})
	// Add, then check (the protocol of Call): either this sees the call ended or its Finish
	// sees the entry.
	switch c.state.Load() {
	case callReturned:
		// Send, but no one waits for the reply; it is measured all the same, as Finish's
		// are: a node whose requests are still queued when its calls return is slower
		// than every quorum, and its latency must say so.
		n.forgetLate(c, r.index)
	case callAbandoned:
		a.forget(r)
		return false
	default:
		if c.ctx.Err() != nil {
			a.forget(r) // withdrawn while the call still waits
			return false
		}
	}
	return true
}

// forget removes r's pending entry, if it is still there, and gives back the call's hold for
// it; it reports whether it removed the entry (so no one else answers r from it).
func (a *actorState) forget(r request) bool {
	if _, ok := a.node.pending.remove(r.call.msgID); ok {
		r.call.release(r.index, heldEntry)
		return true
	}
	return false
}

// forgetLate removes the pending entry of node index i of call c, if it is still there, and
// gives back the call's hold for it. Its reply, if it comes, is dropped, but measured: otherwise
// a node slower than every quorum would keep its old, faster latency.
func (n *NodeActor) forgetLate(c *Call, i int32) {
	if _, ok := n.pending.remove(c.msgID); ok {
		n.late.remember(c.msgID, c.start)
		c.release(i, heldEntry)
	}
}

// done gives back the call's hold for request r: the node is through with it.
func (a *actorState) done(r request) { r.call.release(r.index, heldRequest) }

// sent does what follows a request's successful send: a one-way call hears that it is out.
func (a *actorState) sent(r request) {
	if r.call.kind == OneWay {
		r.call.deliver(Response{Index: r.index, NodeID: a.node.id})
	}
}

// sendFailed handles a failed send of rs (one message or one batch): the stream is broken.
func (a *actorState) sendFailed(ctx context.Context, err error, rs ...request) {
	if errors.Is(err, io.EOF) {
		err = errors.New("stream closed by the server") // a transport failure
	}
	err = unavailable(err)
	for _, r := range rs {
		// The stream's receiver may have failed the pending request already, as the stream
		// broke; a node answers a call once.
		if a.forget(r) || r.call.kind == OneWay {
			a.fail(r, err)
		}
	}
	a.dropStream(ctx, err)
	a.failPending(a.gen, false, err)
}

var errNotConnected = errors.New("not connected")

// fail gives r's call err as the node's response.
func (a *actorState) fail(r request, err error) {
	r.call.deliver(Response{Index: r.index, NodeID: a.node.id, Err: err})
}

func (a *actorState) lastErrOr(err error) error {
	if e := a.node.LastErr(); e != nil {
		return e
	}
	return err
}

// streamMetadata is the metadata a new stream carries. It runs user code (the per-node
// metadata function), so it runs on the actor, where panics are contained.
func (a *actorState) streamMetadata() metadata.MD {
	md := a.cfg.Metadata // not changed here: ownKeysOnly copies
	if a.cfg.PerNodeMD != nil {
		md = metadata.Join(md, a.cfg.PerNodeMD(a.node.id))
	}
	md = ownKeysOnly(md)
	if a.cfg.Batching {
		md = announceBatching(md)
	}
	md.Set(wire.ReceiptKey, wire.ReceiptVersion)
	return md
}

// ownKeysOnly returns the user's stream metadata as gRPC can send it: keys in lower case (gRPC
// refuses a key with an upper-case letter, failing the stream, and the key of a literal
// metadata.MD may have one), without the keys of the batching and read-receipt negotiations,
// which are Gorums' own (a user's value there would change how the server frames its replies,
// or have the node send receipt requests to a server that does not know them).
func ownKeysOnly(md metadata.MD) metadata.MD {
	out := make(metadata.MD, len(md)+2)
	for k, vs := range md {
		k = strings.ToLower(k)
		if k == wire.BatchKey || k == wire.BatchLimitKey || k == wire.ReceiptKey {
			continue
		}
		out[k] = append(out[k], vs...)
	}
	return out
}

// install makes stream the node's stream and starts its receiver.
func (a *actorState) install(ctx context.Context, stream grpc.ClientStream, cancel context.CancelFunc) {
	a.gen++
	a.node.liveGen.Store(a.gen)
	a.node.readMark.Store(a.sentBytes) // nothing sent before this stream is unread on it
	a.stream, a.cancelStream = stream, cancel
	a.attempted = true
	a.node.gotReply.Store(false)
	a.node.everConnected.Store(true)
	a.goroutines.Add(1)
	go a.receive(ctx, a.gen, stream)
	a.node.setReady(true)
	a.node.log.Info("node connected")
}

// dropStream forgets the current stream after it failed, and has a new one opened.
func (a *actorState) dropStream(ctx context.Context, err error) {
	a.node.liveGen.Store(0)
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
		a.node.log.Info("reconnecting", logfield.Backoff(0))
		a.watch(ctx)
		return
	}
	a.attempts++
	d := backoffDelay(a.cfg.Backoff, a.attempts)
	a.nextAttempt = time.Now().Add(d)
	if a.retry != nil {
		a.retry.Stop()
	}
	a.retry = time.AfterFunc(d, func() { a.node.tryPost(nodeMsg{kind: msgRetry}) })
	a.node.log.Info("reconnecting", logfield.Backoff(d))
}

// firstAttempt makes the node's first connection attempt. The requests queued meanwhile wait
// for its outcome in the mailbox (so a full mailbox still pushes back on callers), but not
// longer than ConnectWait: gRPC gives a server that accepts TCP connections and never answers
// 20 seconds. After that the attempt goes on in the background, requests fail fast, and its
// outcome is taken when it comes. A request whose context ends sooner is withdrawn: its call
// has ended by its own deadline.
func (a *actorState) firstAttempt(ctx context.Context) {
	md := a.streamMetadata() // may panic (user code): before anything starts
	first := make(chan openResult, 1)
	a.first, a.watching = first, true
	a.goroutines.Add(1)
	go func() {
		defer a.goroutines.Done()
		a.conn.Connect()
		// NewStream waits while the connection is being made and fails once it has failed:
		// the outcome of the first attempt.
		stream, cancel, err := a.openStream(ctx, md)
		first <- openResult{stream: stream, cancel: cancel, err: err}
		a.node.tryPost(nodeMsg{kind: msgFirstDone}) // a full mailbox: the next message takes it
	}()
	timer := time.NewTimer(a.cfg.ConnectWait)
	defer timer.Stop()
	select {
	case r := <-first:
		a.takeFirst(ctx, r)
	case <-timer.C:
		a.attempted = true
		err := status.Errorf(codes.Unavailable, "no connection to the node within %v (the first connection attempt goes on)", a.cfg.ConnectWait)
		a.node.setLastErr(err)
		a.node.log.Warn("first connection attempt still going on; requests fail fast meanwhile", logfield.Error(err))
	case <-ctx.Done():
		// The node is stopping; stop takes the outcome.
	}
}

// takeFirst acts on the first attempt's outcome: the node's stream, or the error requests
// fail with until the connection watcher brings a stream.
func (a *actorState) takeFirst(ctx context.Context, r openResult) {
	a.first, a.watching = nil, false
	a.attempted = true
	if r.err == nil {
		a.install(ctx, r.stream, r.cancel)
		return
	}
	a.node.setLastErr(r.err)
	a.node.log.Warn("connection attempt failed", logfield.Error(r.err))
	a.watch(ctx)
}

// watch starts, unless one runs, the connection watcher: a goroutine that waits for the node's
// connection to be ready (asking gRPC to connect whenever it goes idle), opens a stream on it
// and hands the stream to the actor. The actor itself never waits for a redial. The watcher
// ends with the node.
func (a *actorState) watch(ctx context.Context) {
	if a.watching || a.conn == nil {
		return
	}
	md := a.streamMetadata() // may panic (user code): before watching is set
	a.watching = true
	a.goroutines.Add(1)
	go func() {
		defer a.goroutines.Done()
		a.awaitStream(ctx, md)
	}()
}

// post gives the actor m, waiting for room; it reports false if the node has stopped, in
// which case an opened stream is closed here.
func (a *actorState) post(ctx context.Context, m nodeMsg) bool {
	if a.node.post(ctx, m) != nil {
		if m.cancel != nil {
			m.cancel()
		}
		return false
	}
	return true
}

func (a *actorState) openStream(ctx context.Context, md metadata.MD) (grpc.ClientStream, context.CancelFunc, error) {
	streamCtx, cancel := context.WithCancel(metadata.NewOutgoingContext(ctx, md))
	stream, err := a.conn.NewStream(streamCtx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return stream, cancel, nil
}

// receive reads the replies of one stream and routes each to the call waiting for it.
func (a *actorState) receive(ctx context.Context, gen uint64, stream grpc.ClientStream) {
	defer a.goroutines.Done()
	n := a.node
	n.readConfirmation(gen, stream.Header, a.cfg.Batching)
	// Replies are matched by message ID; their method names are not needed. A server sends
	// batches only to a client that announced them.
	m := wire.Message{MethodOf: noMethod, AcceptBatches: a.cfg.Batching}
	for {
		err := stream.RecvMsg(&m)
		for err == nil { // every envelope of what came: one, or a batch
			if m.DecodeErr != nil {
				// A reply that does not decode cannot be routed: the stream is no longer usable.
				err = status.Errorf(codes.Internal, "malformed reply from the server: %v", m.DecodeErr)
				break
			}
			n.route(&m)
			if !m.Next() {
				break
			}
		}
		if err != nil {
			m.Drop()
			if ctx.Err() != nil {
				// The node is closing: its stop fails what is pending, with "manager closed"
				// (Unavailable) rather than the Canceled error of the stream's context.
				return
			}
			if n.liveGen.Load() != gen {
				// The actor dropped this stream (a send on it failed), recorded why and failed
				// what was pending on it; the Canceled error seen here is only the drop.
				return
			}
			// Record the error before failing the calls, so a caller that sees its call fail
			// also sees LastErr.
			n.setLastErr(err)
			a.failPending(gen, false, unavailable(err))
			// Tell the actor; if it has stopped, its stop already failed what was pending.
			_ = n.post(ctx, nodeMsg{kind: msgBroken, gen: gen, err: err})
			return
		}
	}
}

// route delivers the reply in m to the call waiting for it, decoded, and releases m's buffer.
func (n *NodeActor) route(m *wire.Message) {
	e, ok := n.pending.take(m.MessageID)
	if !ok {
		if m.MessageID&wire.ReceiptIDBit != 0 {
			n.receiptAnswered(m.MessageID)
			m.Release()
			return
		}
		if sentAt, ok := n.late.take(m.MessageID); ok {
			n.recordLatency(time.Since(sentAt)) // a late reply still says how slow the node is
		}
		m.Release()
		if ce := n.log.Check(zap.DebugLevel, "late reply dropped"); ce != nil {
			ce.Write(logfield.MsgID(m.MessageID))
		}
		return
	}
	n.recordLatency(time.Since(e.call.start))
	n.markRead(e.offset)
	n.gotReply.Store(true)
	r := Response{Index: e.index, NodeID: n.id, Status: m.Status}
	if m.Status == nil && e.call.decode != nil {
		// Decoded here, from gRPC's buffer, which then goes back to its pool.
		r.Reply, r.Err = e.call.decode(m.Payload)
	}
	m.Release()
	e.call.deliver(r)
	if e.call.kind == Stream {
		e.call.unref() // the hold take added; the entry stays for the call's next reply
	} else {
		e.call.release(e.index, heldEntry)
	}
}

func noMethod([]byte) string { return "" }

func (a *actorState) failPending(gen uint64, all bool, err error) {
	for _, e := range a.node.pending.removeGen(gen, all) {
		e.call.deliver(Response{Index: e.index, NodeID: a.node.id, Err: err})
		e.call.release(e.index, heldEntry)
	}
}

// reject gives a message still queued when the node stops the outcome its sender should see.
func (a *actorState) reject(m nodeMsg, _ error) {
	switch m.kind {
	case msgOpened:
		m.cancel() // a stream a watcher opened as the node stopped
	case msgRequest:
		a.fail(m.req, a.node.closedError())
		a.done(m.req)
	}
}

// onPanic handles a panic recovered from handle: user code runs there (a per-node metadata
// function, logger cores, gRPC interceptors). A request fails with Internal; if it was answered
// already, the call counts the node once and ignores this.
func (a *actorState) onPanic(m nodeMsg, err error) {
	a.node.log.Error("node actor recovered from a panic", logfield.Error(err))
	if m.kind != msgRequest {
		if a.stream == nil && !a.watching && a.retry == nil {
			// A failed connect (the per-node metadata function panicked, say): requests fail
			// with the panic as the node's error, and the connect is retried with backoff.
			a.attempted = true
			a.node.setLastErr(status.Errorf(codes.Unavailable, "connecting: %v", err))
			a.attempts++
			d := backoffDelay(a.cfg.Backoff, a.attempts)
			a.nextAttempt = time.Now().Add(d)
			a.retry = time.AfterFunc(d, func() { a.node.tryPost(nodeMsg{kind: msgRetry}) })
		}
		return
	}
	r := m.req
	if r.call.kind != OneWay {
		a.forget(r)
	}
	a.fail(r, status.Errorf(codes.Internal, "node actor recovered from a panic: %v", err))
	a.done(r)
}

// stop releases everything the actor owns; it runs on the node's goroutine as it ends, holding
// the run token.
func (a *actorState) stop() {
	if a.retry != nil {
		a.retry.Stop()
	}
	a.node.liveGen.Store(0)
	if a.cancelStream != nil {
		a.cancelStream()
	}
	a.stream = nil
	if a.conn != nil {
		_ = a.conn.Close()
	}
	a.goroutines.Wait()
	if a.first != nil {
		if r := <-a.first; r.cancel != nil {
			r.cancel() // a stream the first attempt opened as the node stopped
		}
	}
	a.failPending(0, true, a.node.closedError())
	a.node.setReady(false)
	a.node.log.Info("node closed")
}
