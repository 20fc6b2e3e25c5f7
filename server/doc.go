// Package server serves Gorums methods: the NodeStream gRPC service, and per client stream a
// receive loop, the handler lock, and a reply queue; plus ServerCtx.
//
// Usually through the root package: gorums.NewServer(opts...), the generated
// Register<Service>Server(srv, impl), then srv.Serve(lis) until srv.Stop() or
// srv.GracefulStop(). Handlers get a ServerCtx (the stream's context, with Release).
//
// Goroutines and what they own, per client stream:
//   - the receive loop reads requests and runs their handlers inline; only the goroutine
//     holding the stream's handler lock (handler_lock.go) runs it, so requests of one stream
//     are handled one at a time in arrival order, the envelopes of a batched gRPC message
//     one by one. A handler that calls ServerCtx.Release hands the lock, and with it the
//     receive loop and the rest of a batch in hand, to a new goroutine and finishes on its own;
//   - replies go through the stream's reply queue (replies.go). A reply that finds no one
//     writing starts the writer, which writes it and every reply queued meanwhile, in order,
//     then stops. Usually the replying handler is the writer; on a batching stream (the
//     client announced batched frames and the server confirmed them; WithNoBatching turns
//     that off) a reply to a request that came in a batch starts a goroutine as the writer
//     instead, so that the handler goes on and the replies queued behind a write in progress
//     leave together, as one batch in a pooled buffer (a request that came alone is a lone
//     call's: its reply has nothing to gather with). One goroutine at a time writes to the
//     stream, and an idle stream has no writer and no buffer;
//   - a read-receipt request (internal/wire/receipt.go), from a client that announced
//     receipts, is answered by the receive loop itself, in the stream's order, through the
//     reply queue; no handler or interceptor sees it;
//   - the gRPC handler goroutine waits for the stream to end or drain, then closes the
//     reply queue, waiting for a write in progress.
//
// So an idle stream holds two goroutines and no queue: the receive loop, blocked reading, and
// gRPC's handler goroutine, which cannot be the receive loop itself because only its return
// ends the stream, and a draining stream must be ended while its receive loop still waits
// for a request.
//
// Memory is bounded per stream and per server. A stream's queued replies are bounded in bytes
// (WithReplyBufferBytes) and in number (WithReceiveBufferSize); at the bound its handlers wait
// to send and its receive loop waits before reading another request, so gRPC flow control
// holds back a client that does not read, and other streams go on. The server serves at most
// WithMaxStreams streams at once; one more ends at once with ResourceExhausted.
//
// Interceptors (WithInterceptors) run around the handler of every request of every call type,
// on the handler's goroutine and under the handler lock; they see the ServerCtx, the method's
// full name and kind, and the request, and may refuse it, observe or replace its replies, or
// call Release. Each chain is built once, when the handler is registered; a server without
// interceptors calls its handlers directly.
//
// Streams of different clients are served concurrently. A handler that blocks without calling
// Release blocks only its own stream.
//
// Bad input never takes the server down: an unknown method gets an Unimplemented reply (which
// echoes at most MaxEchoedMethodLen bytes of the name), a payload that does not parse an
// InvalidArgument reply, a panicking handler or interceptor an Internal reply, a reply larger
// than the stream may carry (the gRPC server's send limit, or the receive limit a client of
// this version announced) a ResourceExhausted reply in its place; an envelope that
// does not parse ends only its stream, with an InvalidArgument status, and a panicking connect
// callback ends only its stream, with Internal. Panics are logged at Error with their stack.
//
// RegisterHandler, Serve, Stop and GracefulStop are safe for concurrent use. Stop ends every
// stream, so running handlers see their context end, and waits for them to return.
// GracefulStop lets running handlers finish and their replies go out before it ends the
// streams; requests that arrive meanwhile get Unavailable. After WithGracefulStopTimeout
// (10 s by default) it stops hard, as Stop does: a client that does not read cannot keep it
// from returning, and a handler still running sees its context end. Both wait for handlers
// to return, so a handler that ignores its context and never returns holds them up.
package server
