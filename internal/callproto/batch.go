package callproto

import (
	"context"
	"runtime/debug"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
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
// confirmed batching. It runs on the stream's receiver before it reads replies; the header
// comes at once from a server that confirms, and with the first reply from one that does not.
// The actor batches only while the confirmed generation is its stream's.
func (n *NodeActor) readConfirmation(gen uint64, header func() (metadata.MD, error)) {
	md, err := header()
	if err != nil {
		return // the stream broke: RecvMsg says how
	}
	if v := md.Get(wire.BatchKey); len(v) > 0 && v[0] == wire.BatchVersion {
		n.batchGen.Store(gen)
	}
}

// handleRequests puts first, and the requests queued behind it, on the stream: as batches
// while the stream batches. A message that is not a request ends the run; it is handled after
// the requests before it, so the mailbox's order holds.
func (a *actorState) handleRequests(ctx context.Context, first request) {
	if !a.batching() {
		a.send(ctx, first)
		return
	}
	limit := wire.BatchMaxBytes
	if max := a.node.maxSend.Load(); max > 0 && max < int64(limit) {
		limit = int(max)
	}
	taken := 0 // messages taken from the mailbox here, beyond first
	defer func() { a.node.queued.Add(-int64(taken)) }()
	batch := append(a.batchBuf[:0], first)
	size := wire.BatchAdd(0, len(first.frame.Bytes))
	for {
		var next *nodeMsg
	gather:
		for len(batch) < wire.BatchMaxEnvelopes {
			select {
			case m := <-a.node.mailbox.Receive():
				taken++
				if m.kind != msgRequest {
					next = &m
					break gather
				}
				grown := wire.BatchAdd(size, len(m.req.frame.Bytes))
				if grown > limit {
					next = &m
					break gather
				}
				batch, size = append(batch, m.req), grown
			default:
				break gather
			}
		}
		a.sendAll(ctx, batch)
		clear(batch)
		a.batchBuf = batch[:0]
		switch {
		case next == nil:
			return
		case next.kind != msgRequest || !a.batching():
			a.handle(ctx, *next)
			return
		}
		batch = append(a.batchBuf[:0], next.req)
		size = wire.BatchAdd(0, len(next.req.frame.Bytes))
	}
}

// sendAll puts rs on the stream, as one batch if there are several to send.
func (a *actorState) sendAll(ctx context.Context, rs []request) {
	admitted := rs[:0:0]
	for _, r := range rs {
		if r.call.withdrawn() {
			continue
		}
		if a.stream == nil {
			a.fail(r, unavailable(a.lastErrOr(errNotConnected)))
			continue
		}
		if a.admit(r) {
			admitted = append(admitted, r)
		}
	}
	switch len(admitted) {
	case 0:
		return
	case 1:
		if err := a.stream.SendMsg(admitted[0].frame); err != nil {
			a.sendFailed(ctx, err, admitted[0])
			return
		}
		a.sent(admitted[0])
		return
	}
	defer func() {
		// User code may run in SendMsg (gRPC stats handlers): fail the batch's requests, not
		// only the message the actor took first.
		if p := recover(); p != nil {
			err := &actor.PanicError{Value: p, Stack: debug.Stack()}
			a.node.log.Error("node actor recovered from a panic", logfield.Error(err))
			for _, r := range admitted {
				if _, pending := a.node.pending.remove(r.call.msgID); pending || r.call.kind == OneWay {
					a.fail(r, status.Errorf(codes.Internal, "node actor recovered from a panic: %v", p))
				}
			}
		}
	}()
	size := 0
	for _, r := range admitted {
		size = wire.BatchAdd(size, len(r.frame.Bytes))
	}
	b := wire.StartBatch(make([]byte, 0, size))
	for _, r := range admitted {
		b = wire.AppendToBatch(b, r.frame.Bytes)
	}
	f := new(wire.Frame) // gRPC may write from it after SendMsg returns
	f.Init(b)
	if err := a.stream.SendMsg(f); err != nil {
		a.sendFailed(ctx, err, admitted...)
		return
	}
	for _, r := range admitted {
		a.sent(r)
	}
}
