package callproto

import (
	"context"
	"runtime/debug"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
)

// The run token. The node actor is not a goroutine but a role: whichever goroutine holds the
// node's run token (runMu) is the actor, and only the actor touches the stream and the actor
// state. The actor goroutine takes the token for every message it handles. A caller that
// finds the node idle (nothing queued, the token free) takes the token itself and puts its
// request on the stream inline, saving a goroutine hand-off per node and call, as
// protoactor's dispatcher runs an idle mailbox on the sender's goroutine.
//
// Order is kept: queued counts the messages in the mailbox and the one being handled; it is
// raised before a message enters the mailbox and lowered only after it was handled, under the
// token. A caller goes inline only if, holding the token, it sees nothing queued, so no message
// queued before it can be overtaken.
//
// A caller must never wait for the stream on the way, or a hung node would stall a call that
// others could answer: gRPC's SendMsg waits once the server stops reading (flow control). So a
// caller goes inline only while the data the server has not provably read is small: a reply to
// a request shows that the server read everything sent before it on the stream, and while
// less than inlineWindow bytes were sent after that, the stream's flow-control window (at least
// 64 KiB) has room. Otherwise the request goes through the mailbox, as it always may.

// inlineWindow bounds the bytes the server may not yet have read when a caller sends inline.
const inlineWindow = 16 << 10

// post queues m, waiting for room until ctx ends.
func (n *NodeActor) post(ctx context.Context, m nodeMsg) error {
	n.queued.Add(1)
	err := n.mailbox.Send(ctx, m)
	if err != nil {
		n.queued.Add(-1)
	}
	return err
}

// tryPost queues m if there is room; a full or stopped mailbox drops it.
func (n *NodeActor) tryPost(m nodeMsg) error {
	n.queued.Add(1)
	err := n.mailbox.TrySend(m)
	if err != nil {
		n.queued.Add(-1)
	}
	return err
}

// handle is the actor goroutine's handler: it handles m holding the run token.
func (n *NodeActor) handle(ctx context.Context, m nodeMsg) {
	n.runMu.Lock()
	defer func() {
		n.queued.Add(-1)
		n.runMu.Unlock()
	}()
	n.state.handle(ctx, m)
}

// enqueue hands r to the node: on the stream at once if the node is idle and its stream has
// room, else into the mailbox (waiting for room if wait).
func (n *NodeActor) enqueue(r request, wait bool) error {
	if n.sendInline(r) {
		return nil
	}
	m := nodeMsg{kind: msgRequest, req: r}
	if wait {
		return n.post(r.call.ctx, m)
	}
	return n.tryPost(m)
}

// sendInline puts r on the stream from the caller's goroutine if it may (see above), and
// reports whether it did.
func (n *NodeActor) sendInline(r request) (sent bool) {
	if n.queued.Load() != 0 || !n.runMu.TryLock() {
		return false
	}
	defer n.runMu.Unlock()
	a := n.state
	if n.queued.Load() != 0 || a.stream == nil || !a.roomFor(len(r.frame.Bytes)) {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			// User code may run in SendMsg (gRPC internals, a logger's core): fail the request
			// as the actor goroutine would, and keep the node.
			err := &actor.PanicError{Value: p, Stack: debug.Stack()}
			n.log.Error("node actor recovered from a panic", logfield.Error(err))
			if r.call.kind != OneWay {
				n.pending.remove(r.call.msgID)
			}
			a.fail(r, status.Errorf(codes.Internal, "node actor recovered from a panic: %v", p))
			sent = true
		}
	}()
	a.put(a.ctx, r)
	return true
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
