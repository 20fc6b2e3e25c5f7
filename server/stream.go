package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"

	"go.uber.org/zap"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
)

// stream serves one client's NodeStream. Its receive loop (one goroutine at a time: the
// holder of the handler lock) reads requests and runs their handlers; its replies leave
// through its replyQueue, written by the replying handler that finds no writer at work or, on
// a batching stream, by a writer goroutine that reply starts. The gRPC handler goroutine only
// waits for the end or the drain.
type stream struct {
	srv *Server
	ss  grpc.ServerStream
	ctx context.Context
	log *zap.Logger

	lock  handlerLock // the receive loop's token
	out   replyQueue
	frame wire.Frame // the writer's, reused: SendMsg takes the bytes before it returns
	// in is the message the receive loop is working through (a batch's envelopes may be
	// left): the token's holder owns it, so a handler's Release hands it to the next loop.
	// It accepts batches when the client announced them and this server confirmed them.
	in wire.Message
	// replyLimit is the largest reply the stream may carry: the server's send limit, and the
	// client's receive limit if it announced one. A larger reply is answered with
	// ResourceExhausted instead, so that it fails its own call and not the stream.
	replyLimit int
	// receipts: the client announced read receipts and this server confirmed them, so it
	// answers receipt requests (wire.ReceiptMethod) itself.
	receipts bool

	endOnce sync.Once
	ended   chan struct{}
	endErr  error // set once, before ended is closed

	// handlers counts the handlers started and not yet returned; once the stream drains, no
	// handler starts, and the drain waits for those running.
	handlers actor.Drain
}

func newStream(srv *Server, ss grpc.ServerStream) *stream {
	s := &stream{srv: srv, ss: ss, ctx: ss.Context(), ended: make(chan struct{})}
	s.lock.takeOver = s.takeOver
	s.log = srv.opts.logger.With(logfield.Addr(peerAddr(s.ctx)))
	s.out = newReplyQueue(srv.opts.replyBytes, srv.opts.buffer, s.write, s.end)
	s.in.MethodOf = srv.methodName
	s.replyLimit = srv.limits.send
	md, _ := metadata.FromIncomingContext(s.ctx)
	var header metadata.MD
	batches := false
	if wire.AnnouncedBatching(md) {
		// The client said how large a message it accepts; a larger reply would end its stream.
		s.replyLimit = wire.MinLimit(s.replyLimit, wire.ParseBatchLimit(md))
		if !srv.opts.noBatching {
			// The client keeps its batches within the limit announced here.
			header = metadata.Pairs(wire.BatchKey, wire.BatchVersion, wire.BatchLimitKey, wire.FormatBatchLimit(srv.limits.recv))
			batches = true
		}
	}
	receipts := wire.AnnouncedReceipts(md)
	if receipts {
		header = metadata.Join(header, metadata.Pairs(wire.ReceiptKey, wire.ReceiptVersion))
	}
	// Confirmed at once, in the response header, so that the client may batch its first
	// requests and ask for receipts before any reply; if the header cannot be sent, the stream
	// is broken and Recv says so.
	if header != nil && ss.SendHeader(header) == nil {
		s.receipts = receipts
		if batches {
			s.in.AcceptBatches = true
			s.out.batch = true // replies queued together may leave in one gRPC message
			s.out.batchBytes = wire.BatchBytesWithin(s.replyLimit)
		}
	}
	return s
}

// write puts encoded replies on the stream, several as one batch, and gives their pooled
// buffers back; only the reply queue's writer calls it.
func (s *stream) write(frames []outFrame) error {
	if len(frames) == 1 {
		return frames[0].Send(s.ss.SendMsg, &s.frame)
	}
	size := 0
	for _, f := range frames {
		size = wire.BatchAdd(size, len(f.Bytes))
	}
	// A pooled buffer, which goes back to the pool once gRPC has written it.
	batch := wire.NewPooledFrame(size)
	batch.Bytes = wire.StartBatch(batch.Bytes)
	for _, f := range frames {
		batch.Bytes = wire.AppendToBatch(batch.Bytes, f.Bytes)
		f.Release() // copied
	}
	err := s.ss.SendMsg(batch)
	batch.Done()
	return err
}

// serve runs the stream until the client goes away, the stream fails or the server drains it.
func (s *stream) serve(drain <-chan struct{}) error {
	s.log.Info("stream opened")
	s.srv.wg.Add(1)
	go s.receive()
	select {
	case <-s.ended:
	case <-drain:
		s.handlers.Close() // no handler starts now; wait for those running
		s.out.waitIdle(s.ctx)
	}
	s.out.close(errStreamClosed)
	err := s.endError()
	s.log.Info("stream closed", logfield.Error(err))
	return err
}

// end records why the stream ended; the first reason wins.
func (s *stream) end(err error) {
	s.endOnce.Do(func() {
		s.endErr = err
		close(s.ended)
	})
}

// endError is the status the gRPC handler returns: nil when the client went away or the
// server drained the stream, a clear status when the stream broke.
func (s *stream) endError() error {
	select {
	case <-s.ended:
	default:
		return nil
	}
	err := s.endErr
	if err == nil || errors.Is(err, io.EOF) || s.ctx.Err() != nil {
		return nil
	}
	return err
}

// receive is the receive loop; it runs while it holds the stream's handler lock. A new loop
// after a Release goes on with the envelopes of the batch in hand (s.in) that its predecessor
// did not reach.
func (s *stream) receive() {
	defer s.srv.wg.Done()
	m := &s.in
	for {
		if !m.Next() { // the next envelope of a batch in hand, else the next gRPC message
			if s.out.full.Load() {
				// Replies wait for a client that does not read them: read no more requests
				// until they leave, so that gRPC flow control holds the client back.
				s.out.waitRoom(s.ctx)
			}
			if err := s.ss.RecvMsg(m); err != nil {
				s.end(err)
				return
			}
		}
		if m.DecodeErr != nil {
			m.Drop()
			s.log.Warn("malformed message", logfield.Error(m.DecodeErr))
			s.end(status.Errorf(codes.InvalidArgument, "gorums: malformed NodeStream message, stream closed: %v", m.DecodeErr))
			return
		}
		if !s.dispatch(m) {
			return // the handler released the lock: another goroutine receives now, with m
		}
	}
}

// dispatch runs the handler of m on this goroutine and reports whether this goroutine still
// holds the handler lock afterwards.
func (s *stream) dispatch(m *wire.Message) bool {
	out := replier{s: s, id: m.MessageID, method: m.Method, gather: m.Batched}
	if s.receipts && m.Method == wire.ReceiptMethod {
		// A read receipt: the answer shows the client that this loop read everything
		// before it (internal/wire/receipt.go). No handler sees it.
		m.Release()
		_ = out.send(nil, nil) // fails only when the stream has ended
		return true
	}
	h, ok := s.srv.handler(m.Method)
	if !ok {
		m.Release()
		out.send(nil, status.Errorf(codes.Unimplemented, "gorums: method %q is not served here", m.Method))
		return true
	}
	req := h.requestType.New().Interface()
	err := proto.Unmarshal(m.Payload, req) // copies what it keeps
	m.Release()                            // so gRPC reuses the request's buffer at once
	if err != nil {
		out.send(nil, status.Errorf(codes.InvalidArgument, "gorums: request for %s does not parse as %s: %v", m.Method, h.requestType.Descriptor().FullName(), err))
		return true
	}
	if !s.handlers.Enter() { // the stream drains
		out.send(nil, status.Errorf(codes.Unavailable, "gorums: server is shutting down; %s not handled", m.Method))
		return true
	}
	ctx := s.ctx
	if len(m.Entries) > 0 {
		ctx = withEntries(ctx, m.Entries)
	}
	if ce := s.log.Check(zap.DebugLevel, "request"); ce != nil {
		ce.Write(logfield.Method(m.Method), logfield.MsgID(m.MessageID))
	}
	seq := s.lock.lend()
	returned := false
	defer s.handlerEnded(seq, &out, h.kind == OneWay, &returned)
	s.run(h, ServerCtx{Context: ctx, lock: &s.lock, seq: seq}, req, out)
	returned = true
	return s.lock.returned(seq)
}

// handlerEnded is dispatch's one deferred call (one, and small, as dispatch's frame is on the
// stack of every idle stream's receive loop): the handler is through, and if it did not return
// it ended its goroutine (goexited).
func (s *stream) handlerEnded(seq uint64, out *replier, oneWay bool, returned *bool) {
	if !*returned {
		s.goexited(seq, *out, oneWay)
	}
	s.handlers.Leave()
}

// goexited handles a handler that ended its goroutine with runtime.Goexit (as t.FailNow does)
// instead of returning or panicking: its call gets Internal, and if the goroutine was the
// stream's receive loop (the handler had not called Release), the stream ends with Internal,
// since no goroutine receives for it any more; otherwise its receive loop goes on elsewhere
// and only the call fails (a one-way call has no reply).
//
//go:noinline
func (s *stream) goexited(seq uint64, out replier, oneWay bool) {
	msg := "gorums: the handler of " + out.method + " ended its goroutine (runtime.Goexit) without returning"
	s.log.Error("handler called runtime.Goexit", logfield.Method(out.method))
	if s.lock.returned(seq) {
		s.end(status.Error(codes.Internal, msg+"; stream closed"))
		return
	}
	if !oneWay {
		_ = out.send(nil, status.Error(codes.Internal, msg))
	}
}

// takeOver starts a new receive loop for a handler that released the lock.
func (s *stream) takeOver() {
	s.srv.wg.Add(1)
	go s.receive()
}

// run calls the handler, through the server's interceptors if it has any, turning a panic
// into an Internal error reply so that the stream and the server live on.
func (s *stream) run(h Handler, ctx ServerCtx, req proto.Message, out replier) {
	if h.intercepted != nil {
		s.runIntercepted(h, ctx, req, out)
		return
	}
	defer func() {
		if r := recover(); r != nil {
			if err := s.panicked(out, r); h.kind != OneWay {
				out.send(nil, err)
			}
		}
	}()
	h.serve(ctx, req, out)
}

func (s *stream) runIntercepted(h Handler, ctx ServerCtx, req proto.Message, out replier) {
	call := &interceptedCall{out: out, kind: h.kind, replyType: h.replyType}
	defer func() {
		if r := recover(); r != nil {
			call.finish(s, s.panicked(out, r))
		}
	}()
	call.finish(s, h.intercepted(ctx, req, call.send))
}

// panicked logs a panic recovered while serving a request, with its stack, and returns the
// error the client gets for it.
func (s *stream) panicked(out replier, r any) error {
	s.log.Error("handler panicked", logfield.Method(out.method), logfield.MsgID(out.id), logfield.Panic(r), logfield.Stack(debug.Stack()))
	return status.Errorf(codes.Internal, "gorums: handler for %s panicked: %v", out.method, r)
}

// peerAddr is the address of the client of a stream's context.
func peerAddr(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return "unknown"
}

// withEntries adds a request's per-message metadata to the stream's incoming metadata.
func withEntries(ctx context.Context, entries []wire.Entry) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	md = md.Copy()
	for _, e := range entries {
		md.Append(e.Key, e.Value)
	}
	return metadata.NewIncomingContext(ctx, md)
}

// replier sends the replies of one request.
type replier struct {
	s      *stream
	id     uint64
	method string
	// gather: the request came in a batch, so its client has other calls in flight, and its
	// replies may gather with theirs behind a writer goroutine. A reply to a request that came
	// alone is written by its sender when no one writes, as on a stream that does not batch:
	// there is nothing to gather it with, and a goroutine hand-off would only delay it.
	gather bool
}

// send encodes a reply (or err as its status) and queues it for the stream; the sender
// becomes the stream's writer if no one is writing. It waits while the stream's replies are at
// their bound, and fails only when the stream has ended.
func (r replier) send(resp proto.Message, err error) error {
	var st *spb.Status
	if err != nil {
		st, resp = status.Convert(err).Proto(), nil
	}
	q := &r.s.out
	reserved := 0
	if !q.admitIfEmpty() {
		reserved = wire.FrameFootprint(replySize(r.method, st, resp))
		if err := q.reserve(r.s.ctx, reserved); err != nil {
			return status.Errorf(codes.Unavailable, "gorums: stream closed: %v", err)
		}
	}
	// A reply to a request that came in a batch will probably be copied into a batch.
	batched := r.gather && q.batch
	out, err := wire.EncodeReply(r.id, r.method, st, nil, resp, batched)
	if err != nil {
		out, err = wire.EncodeReply(r.id, r.method, status.New(codes.Internal, fmt.Sprintf("gorums: reply does not encode: %v", err)).Proto(), nil, nil, batched)
		if err != nil {
			q.unreserve(reserved)
			return err
		}
	}
	if limit := r.s.replyLimit; limit > 0 && len(out.Bytes) > limit {
		if out, err = r.tooLarge(out, limit, batched); err != nil {
			q.unreserve(reserved)
			return err
		}
	}
	if err := q.push(out, reserved, r.gather); err != nil {
		return status.Errorf(codes.Unavailable, "gorums: stream closed: %v", err)
	}
	return nil
}

// tooLarge replaces a reply larger than the stream may carry (limit) with a ResourceExhausted
// status: gRPC would end the stream on it, failing every call there. It is kept out of send,
// whose frame is on the stack of every idle stream's receive loop.
//
//go:noinline
func (r replier) tooLarge(out outFrame, limit int, batched bool) (outFrame, error) {
	size := len(out.Bytes)
	out.Release()
	st := status.Newf(codes.ResourceExhausted,
		"gorums: reply of %d bytes is larger than the %d bytes allowed (the server's grpc.MaxSendMsgSize or the client's grpc.MaxCallRecvMsgSize)",
		size, limit)
	r.s.log.Warn("reply too large", logfield.Method(r.method), logfield.Error(st.Err()))
	return wire.EncodeReply(r.id, r.method, st.Proto(), nil, nil, batched)
}

// replySize is about the size of a reply's frame, for reserving room before encoding it.
func replySize(method string, st *spb.Status, resp proto.Message) int {
	const envelope = 24 // the message ID, tags and lengths
	n := envelope + len(method)
	if st != nil {
		n += proto.Size(st)
	}
	if resp != nil {
		n += proto.Size(resp)
	}
	return n
}

// errStreamClosed closes a stream's reply queue when the stream ends.
var errStreamClosed = errors.New("stream closed")
