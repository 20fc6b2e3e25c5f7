package callproto

import (
	"runtime/debug"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
)

// Read receipts (internal/wire/receipt.go). A goroutine other than the node's own may send
// only while the stream surely has room (run_token.go), which replies show; a stream that
// carries one-way messages only gets none, so after inlineWindow bytes every message would go
// through the node's goroutine. So once receiptAfter bytes went out that no reply has shown
// read, the token's holder asks a server that confirmed receipts how far it has read: one
// small request, whose answer moves the node's readMark as a reply does. One is on its way at
// a time. A server that does not read (a handler that blocks its stream) does not answer, and
// the node's goroutine writes, as before.

// receiptAfter is how many bytes may go out unshown before the holder asks for a receipt: half
// the inline window, so that the answer usually comes back before callers run out of room.
const receiptAfter = inlineWindow / 2

// receiptRequest is a receipt request on its way: its message ID and the stream offset after
// it, which its answer shows read.
type receiptRequest struct {
	id     uint64
	offset int64
}

// askReceipt sends a receipt request if the stream's server confirmed receipts, receiptAfter
// bytes or more went out since the server last showed how far it had read, and no receipt
// request since then waits for its answer. Unless own (the node's own goroutine, which may
// wait for the network), it sends only if the stream surely has room. It runs after a send,
// holding the token.
func (a *actorState) askReceipt(own bool) {
	read := a.node.readMark.Load()
	if a.stream == nil || a.node.receiptGen.Load() != a.gen || a.sentBytes-read < receiptAfter || a.receiptAt > read {
		return
	}
	f := wire.EncodeReceiptRequest(a.receipts + 1)
	if !own && !a.roomFor(len(f.Bytes)) {
		return // the node's goroutine asks when it sends next
	}
	a.receipts++
	a.sentBytes += int64(len(f.Bytes))
	a.receiptAt = a.sentBytes
	a.node.receipt.Store(&receiptRequest{id: a.receipts | wire.ReceiptIDBit, offset: a.sentBytes})
	a.sendReceipt(f)
}

// sendReceipt sends f; if that fails, the stream is broken. It turns a panic into a log line
// (user code runs in SendMsg, gRPC interceptors and stats handlers, and in the per-node metadata
// function of the connection watcher that a broken stream starts): no call is concerned, the
// next send asks again, and a node left without a stream starts a watcher with its next request.
func (a *actorState) sendReceipt(f *wire.Frame) {
	defer func() {
		if p := recover(); p != nil {
			a.receiptAt = 0
			a.node.log.Error("node actor recovered from a panic while asking for a read receipt", logfield.Error(&actor.PanicError{Value: p, Stack: debug.Stack()}))
		}
	}()
	if err := a.stream.SendMsg(f); err != nil {
		a.sendFailed(a.node.ctx, err)
	}
}

// receiptAnswered records the answer to receipt request id: if it is the last one sent, the
// server has read the stream up to the offset after it. An answer to an earlier one (a later
// one was sent after a reply showed it read) says nothing new.
func (n *NodeActor) receiptAnswered(id uint64) {
	if r := n.receipt.Load(); r != nil && r.id == id {
		n.markRead(r.offset)
		n.gotReply.Store(true)
	}
}
