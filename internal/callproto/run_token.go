package callproto

import (
	"context"
	"runtime"
	"runtime/debug"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
)

// The run token. The node actor is a role, not a goroutine: whichever goroutine holds the
// node's run token (runMu) is the actor, and only the actor touches the stream and the actor
// state, handling the mailbox's messages in order. Every goroutine that puts a message into
// the mailbox (a caller, the stream's receiver, the connection watcher, a timer) then tries to
// take the token and run the mailbox itself; if another holds it, that one runs the message.
// So an idle node costs its callers no goroutine hand-off, as protoactor's dispatcher runs an
// idle mailbox on the sender's goroutine. A stream that batches is different: there the node's
// own goroutine runs the mailbox, woken by each sender, so that the requests that come while it
// writes gather into its next batch (one gRPC message) and callers go back to their calls.
//
// No message is left behind: a holder runs the mailbox until it is empty, releases the token,
// and then looks again, so a message put in while it held the token (whose sender failed to
// take it) is run by it or by whoever takes the token next.
//
// A goroutine that is not the node's own must never wait for the network on the way, or a
// hung node would stall a call that others could answer. So such a holder hands the token, with
// the messages it took and cannot run without waiting, to the node's own goroutine (run):
// the first connection attempt, and requests when the stream may not have room. gRPC's
// SendMsg waits once the server stops reading (flow control); a reply to a request (or the
// answer to a read-receipt request, receipt.go) shows that the server read everything sent
// before it on the stream, and while fewer than inlineWindow bytes were sent after that, the
// stream's flow-control window (at least 64 KiB) has room.

// inlineWindow bounds the bytes the server may not yet have read when a holder other than the
// node's own goroutine sends.
const inlineWindow = 16 << 10

// post queues m, waiting for room until ctx ends, and runs the mailbox if no one does.
func (n *NodeActor) post(ctx context.Context, m nodeMsg) error {
	if err := n.mailbox.Send(ctx, m); err != nil {
		return err
	}
	n.kick()
	return nil
}

// tryPost queues m if there is room, and runs the mailbox if no one does.
func (n *NodeActor) tryPost(m nodeMsg) error {
	if err := n.mailbox.TrySend(m); err != nil {
		return err
	}
	n.kick()
	return nil
}

// enqueue hands r to the node.
func (n *NodeActor) enqueue(r request, wait bool) error {
	m := nodeMsg{kind: msgRequest, req: r}
	if n.sendNow(m) {
		return nil
	}
	if wait {
		return n.post(r.call.ctx, m)
	}
	return n.tryPost(m)
}

// sendNow runs m on this goroutine, without queueing it, if the node is idle: no one holds
// the run token, the mailbox is empty (so no earlier message is passed), the node is not
// stopping and m cannot wait for the network. Then it also runs whatever was queued meanwhile,
// as kick does, and reports true. Otherwise it leaves everything as it was and reports false.
// A caller that sends at once saves the mailbox's queue and the hand-over that a queued message
// costs; the order is the mailbox's all the same, as one goroutine at a time holds the token.
func (n *NodeActor) sendNow(m nodeMsg) bool {
	if n.mailbox.Len() > 0 || n.batchesBusy() || !n.runMu.TryLock() {
		return false
	}
	if n.mailbox.Len() > 0 || n.ctx.Err() != nil || n.state.mayWait(m) {
		n.runMu.Unlock()
		return false
	}
	n.state.runOne(m, false)
	if n.mailbox.Len() > 0 && !n.state.runMailbox(false) {
		return true // the node's own goroutine has the token now
	}
	n.runMu.Unlock()
	n.kick() // a message that came as the token was let go
	return true
}

// batchesBusy reports whether the node's own goroutine should write: the stream batches and
// other calls are in progress, whose requests may gather with this one.
func (n *NodeActor) batchesBusy() bool {
	return n.streamBatches() && n.rt != nil && n.rt.IDs.InProgress() > 1
}

// streamBatches reports whether the node's current stream batches (its server confirmed it).
func (n *NodeActor) streamBatches() bool {
	gen := n.batchGen.Load()
	return gen != 0 && gen == n.liveGen.Load()
}

// kick runs the mailbox on this goroutine while it has messages and no one else runs it; on a
// stream that batches, while other calls are in progress, it wakes the node's own goroutine
// instead.
func (n *NodeActor) kick() {
	if n.batchesBusy() {
		// Calls run side by side: the node's own goroutine writes, so that the requests
		// that come while it writes gather into its next batch, and callers go back to their
		// calls. A lone call has nothing to gather its requests with; its caller sends them
		// at once, as on a stream that does not batch, without waking another goroutine.
		select {
		case n.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
		return
	}
	for n.ctx.Err() == nil && n.mailbox.Len() > 0 && n.runMu.TryLock() {
		if !n.state.runMailbox(false) {
			return // the node's own goroutine has the token now
		}
		n.runMu.Unlock()
	}
}

// run is the node's own goroutine: it takes over the token, with the messages that another
// holder could not run, runs them and the mailbox, and at the end stops the node.
func (n *NodeActor) run() {
	defer close(n.done)
	for {
		select {
		case ms := <-n.handoff:
			n.state.runHandedOff(ms)
		case <-n.wake:
			if n.runMu.TryLock() { // else the holder runs the mailbox, and looks again after
				n.state.runHandedOff(nil)
			}
		case <-n.ctx.Done():
			handed := n.takeToken()
			for _, m := range handed {
				n.state.reject(m, actor.ErrStopped)
			}
			clear(handed) // it may be the holders' buffer (one)
			n.state.stop()
			n.mailbox.Stop(n.state.reject)
			n.runMu.Unlock()
			return
		}
	}
}

// takeToken takes the token as the node stops: from its holder, who lets it go soon (holders
// other than the node's goroutine never wait for the network, and look at the node's context
// between messages), or with the messages a holder hands over instead.
func (n *NodeActor) takeToken() (handed []nodeMsg) {
	for {
		select {
		case ms := <-n.handoff:
			return ms
		default:
		}
		if n.runMu.TryLock() {
			return nil // no handover is pending: a holder that hands over keeps the lock locked
		}
		runtime.Gosched()
	}
}

// runHandedOff runs what another holder handed over, then the mailbox, holding the token (it
// came with ms) and releasing it at the end.
func (a *actorState) runHandedOff(ms []nodeMsg) {
	if a.node.ctx.Err() == nil {
		a.runMessages(ms, true)
	} else {
		for _, m := range ms {
			a.reject(m, actor.ErrStopped)
		}
	}
	clear(ms) // it may be the holders' buffer (one): hold no request
	for {
		a.runMailbox(true)
		a.node.runMu.Unlock()
		if a.node.ctx.Err() != nil || a.node.mailbox.Len() == 0 || !a.node.runMu.TryLock() {
			return
		}
	}
}

// runMailbox runs the mailbox's messages until it is empty, holding the token: requests
// together (as one batch while the stream batches), other messages one by one. Unless own (on
// the node's own goroutine), it stops at what it cannot run without waiting, hands that and the
// token to the node's goroutine, and reports false; it reports true when the mailbox is empty.
func (a *actorState) runMailbox(own bool) bool {
	var batch []request // reused: a.batchBuf
	for {
		if a.node.ctx.Err() != nil {
			return true // stopping: the node's goroutine rejects what is left
		}
		m, ok := a.take()
		if !ok {
			return true
		}
		if m.kind != msgRequest || !own && a.mayWait(m) {
			if !a.runMessages(a.one(m), own) {
				return false
			}
			a.oneBuf[0] = nodeMsg{} // hold no request
			continue
		}
		batch = append(a.batchBuf[:0], m.req)
		var next nodeMsg
		var hasNext bool
		batching := a.batching()
		if batching {
			if own {
				a.yieldToSenders()
			}
			batch, next, hasNext = a.gather(batch)
		}
		if !own && !a.roomForAll(batch) {
			ms := make([]nodeMsg, 0, len(batch)+1)
			for _, r := range batch {
				ms = append(ms, nodeMsg{kind: msgRequest, req: r})
			}
			if hasNext {
				ms = append(ms, next)
			}
			a.handOff(ms)
			return false
		}
		// On the node's own goroutine other calls are in flight (kick), so even a lone
		// request goes as a batch: the server may then gather its reply with theirs.
		a.sendAll(batch, own && batching, own)
		clear(batch)
		a.batchBuf = batch[:0]
		if hasNext {
			if !a.runMessages(a.one(next), own) {
				return false
			}
			a.oneBuf[0] = nodeMsg{}
		}
	}
}

// take takes the mailbox's next message, if it has one.
func (a *actorState) take() (nodeMsg, bool) {
	select {
	case m := <-a.node.mailbox.Receive():
		return m, true
	default:
		return nodeMsg{}, false
	}
}

// yieldToSenders lets the goroutines that are ready to run go first, once, before the node's
// own goroutine gathers a batch that is not full yet: callers just woken by their replies put
// their next requests in meanwhile, so that the batch carries more of them (gRPC's writer yields
// the same way before it flushes a small buffer). It is no timer and never sleeps: with nothing
// else ready to run, Gosched returns at once. A lone call does not come here; its caller sends.
func (a *actorState) yieldToSenders() {
	if yieldPays(a.node.mailbox.Len()) {
		runtime.Gosched()
	}
}

// yieldPays reports whether a yield before a batch may add to it, with queued requests in the
// mailbox already: unless a batch's worth is queued, it may. It holds no memory of earlier
// yields: a back-off after yields that gathered nothing (with one caller's async calls, say)
// measured no better at few callers and worse at many.
func yieldPays(queued int) bool {
	return queued < wire.BatchMaxEnvelopes-1
}

// gather adds to batch the requests queued behind it, within the batch limits. It stops at a
// message that is not a request or does not fit, and returns that one as next (hasNext).
func (a *actorState) gather(batch []request) (_ []request, next nodeMsg, hasNext bool) {
	limit := wire.BatchBytesWithin(a.sendLimit())
	size := wire.BatchAdd(0, len(batch[0].frame.Bytes))
	for len(batch) < wire.BatchMaxEnvelopes {
		m, ok := a.take()
		if !ok {
			return batch, nodeMsg{}, false
		}
		if m.kind != msgRequest {
			return batch, m, true
		}
		grown := wire.BatchAdd(size, len(m.req.frame.Bytes))
		if grown > limit {
			return batch, m, true
		}
		batch, size = append(batch, m.req), grown
	}
	return batch, nodeMsg{}, false
}

// one is m as a slice of one message, in the holder's reusable buffer: runMessages may hand it
// to the node's goroutine, which is through with it before it lets the token go, and only the
// token's holder fills the buffer.
func (a *actorState) one(m nodeMsg) []nodeMsg {
	a.oneBuf[0] = m
	return a.oneBuf[:]
}

// runMessages runs ms in order, containing panics. Unless own, it hands the rest and the token
// to the node's goroutine at the first message that may wait, and reports false.
func (a *actorState) runMessages(ms []nodeMsg, own bool) bool {
	for i, m := range ms {
		if !own && a.mayWait(m) {
			a.handOff(ms[i:])
			return false
		}
		a.runOne(m, own)
	}
	return true
}

// runOne runs m, turning a panic (user code runs here: a per-node metadata function, gRPC
// interceptors and stats handlers, logger cores) into the failure of m's request.
func (a *actorState) runOne(m nodeMsg, own bool) {
	defer func() {
		if p := recover(); p != nil {
			a.onPanic(m, &actor.PanicError{Value: p, Stack: debug.Stack()})
		}
	}()
	if m.kind == msgRequest {
		a.sendAll([]request{m.req}, false, own)
		return
	}
	a.handle(a.node.ctx, m)
}

// mayWait reports whether running m could wait for the network: the first connection attempt,
// and a request while the stream may not have room for it.
func (a *actorState) mayWait(m nodeMsg) bool {
	switch m.kind {
	case msgStart:
		return true
	case msgRequest:
		return a.stream != nil && !a.roomFor(len(m.req.frame.Bytes))
	}
	return false
}

// handOff gives ms and the token to the node's goroutine.
func (a *actorState) handOff(ms []nodeMsg) {
	a.node.handOffs.Add(1)
	a.node.handoff <- ms // never full: only the token's holder hands off, once
}

// roomForAll reports whether the stream surely has room for the requests (or has no stream,
// so they fail at once).
func (a *actorState) roomForAll(rs []request) bool {
	if a.stream == nil {
		return true
	}
	size := 0
	for _, r := range rs {
		size = wire.BatchAdd(size, len(r.frame.Bytes))
	}
	return a.roomFor(size)
}

// roomFor reports whether a message of size bytes surely fits the stream's flow-control
// window: the bytes sent since the last point the server provably read, plus size, are within
// inlineWindow.
func (a *actorState) roomFor(size int) bool {
	return a.sentBytes-a.node.readMark.Load()+int64(size) <= inlineWindow
}

// markRead records that the server has read the stream up to offset (a reply to the request
// sent there came back).
func (n *NodeActor) markRead(offset int64) {
	for {
		old := n.readMark.Load()
		if offset <= old || n.readMark.CompareAndSwap(old, offset) {
			return
		}
	}
}

// failRequests fails, after a panic p while sending, the requests that did not go out:
// admitted ones (registered as pending, unless one-way) and those not looked at yet.
func (a *actorState) failRequests(admitted, rest []request, p any) {
	err := status.Errorf(codes.Internal, "node actor recovered from a panic: %v", p)
	for _, r := range admitted {
		if r.call.kind == OneWay || a.forget(r) { // else the stream's receiver answered it
			a.fail(r, err)
		}
		a.done(r)
	}
	for _, r := range rest {
		a.fail(r, err)
		a.done(r)
	}
	a.node.log.Error("node actor recovered from a panic", logfield.Error(&actor.PanicError{Value: p, Stack: debug.Stack()}))
}
