package callproto

import (
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/quorumcall/gorums/internal/wire"
)

// Batched frames (internal/wire/batch.go). A node whose stream's server confirmed batching
// puts the requests its mailbox holds when the actor comes to them into one gRPC message, up
// to the batch limits, so that gRPC's per-message cost is paid once for many. The actor never
// waits to fill a batch: it takes what is queued, and a lone request goes alone. Callers that
// send inline (run_token.go) send alone: their node was idle.

// batching reports whether the current stream's server confirmed batching.
func (a *actorState) batching() bool {
	return a.stream != nil && a.cfg.Batching && a.node.batchGen.Load() == a.gen
}

// announceBatching adds the batching capability to a new stream's metadata.
func announceBatching(md metadata.MD) metadata.MD {
	if md == nil {
		md = metadata.MD{}
	}
	md.Set(wire.BatchKey, wire.BatchVersion)
	return md
}

// readConfirmation reads the server's response header on stream gen and records whether it
// confirmed batching (if the node announced it: batching) and read receipts. It runs on the
// stream's receiver before it reads replies; the header comes at once from a server that
// confirms, and with the first reply from one that does not. The actor batches, and asks for
// receipts, only while the confirmed generation is its stream's.
func (n *NodeActor) readConfirmation(gen uint64, header func() (metadata.MD, error), batching bool) {
	md, err := header()
	if err != nil {
		return // the stream broke: RecvMsg says how
	}
	if batching && wire.AnnouncedBatching(md) {
		n.peerLimit.Store(int64(wire.ParseBatchLimit(md)))
		n.batchGen.Store(gen)
	}
	if wire.AnnouncedReceipts(md) {
		n.receiptGen.Store(gen)
	}
}

// sendAll puts rs on the stream, as one batch if there are several to send or asBatch (then even
// one goes as a batch, which tells the server that other calls are in flight, so that its reply
// may wait to gather with theirs). Without a stream the requests fail at once, and a watcher is
// started if none runs and no backoff is due (the retry timer's message may have been dropped
// by a full mailbox). A panic in SendMsg (user code runs there: gRPC stats handlers) fails the
// requests, not the goroutine that sends. Afterwards it may ask for a read receipt; own says
// whether this is the node's own goroutine, which may wait for the network (receipt.go).
func (a *actorState) sendAll(rs []request, asBatch, own bool) {
	ctx := a.node.ctx
	admitted := rs[:0] // filtered in place: admitted never passes the request it looks at
	next := 0          // rs[next:] are not through the filter yet
	finished := false
	limit := a.sendLimit()
	defer func() {
		if finished {
			return
		}
		// A panic: user code runs in SendMsg (gRPC interceptors and stats handlers) and in
		// the per-node metadata function of a watcher started here.
		p := recover()
		a.failRequests(admitted, rs[next:], p)
	}()
	for i, r := range rs {
		next = i
		switch {
		case r.call.withdrawn():
			a.done(r)
		case a.stream == nil:
			if !a.watching && a.retry == nil && !time.Now().Before(a.nextAttempt) {
				a.watch(ctx)
			}
			a.fail(r, unavailable(a.lastErrOr(errNotConnected)))
			a.done(r)
		case a.admit(r, limit):
			admitted = append(admitted, r)
		default:
			a.done(r)
		}
	}
	next = len(rs)
	if len(admitted) > 0 {
		f := admitted[0].frame
		if len(admitted) == 1 && asBatch && wire.BatchAdd(0, len(f.Bytes)) > wire.BatchBytesWithin(limit) {
			asBatch = false // as a batch of one it would not fit; alone it does
		}
		if len(admitted) > 1 || asBatch {
			size := 0
			for _, r := range admitted {
				size = wire.BatchAdd(size, len(r.frame.Bytes))
			}
			// A pooled buffer, which goes back to the pool once gRPC has written it.
			f = wire.NewPooledFrame(size)
			f.Bytes = wire.StartBatch(f.Bytes)
			for _, r := range admitted {
				f.Bytes = wire.AppendToBatch(f.Bytes, r.frame.Bytes)
			}
			defer f.Done()
		} else {
			f = admitted[0].call.frameAlone(f)
		}
		if err := a.stream.SendMsg(f); err != nil {
			a.sendFailed(ctx, err, admitted...)
		} else {
			for _, r := range admitted {
				a.sent(r)
			}
		}
		for _, r := range admitted {
			a.done(r)
		}
	}
	finished = true
	if len(admitted) > 0 {
		a.askReceipt(own)
	}
}
