// Package server serves Gorums methods: the NodeStream gRPC service, one stream actor per
// client stream, the stream's handler lock, and ServerCtx.
//
// Goroutines and what they own, per client stream:
//   - the receive loop reads requests and runs their handlers inline; only the goroutine
//     holding the stream's handler lock (handler_lock.go) runs it, so requests of one stream
//     are handled one at a time in arrival order. A handler that calls ServerCtx.Release hands
//     the lock, and with it the receive loop, to a new goroutine and finishes on its own;
//   - the sender actor is the only writer to the stream; handlers queue encoded replies in its
//     mailbox;
//   - the gRPC handler goroutine waits for the stream to end or drain, then stops the sender.
//
// Streams of different clients are served concurrently. A handler that blocks without calling
// Release blocks only its own stream.
//
// Bad input never takes the server down: an unknown method gets an Unimplemented reply, a
// payload that does not parse an InvalidArgument reply, a panicking handler an Internal reply;
// an envelope that does not parse ends only its stream, with an InvalidArgument status.
//
// RegisterHandler, Serve, Stop and GracefulStop are safe for concurrent use. Stop ends every
// stream, so running handlers see their context end, and waits for them to return.
// GracefulStop lets running handlers finish and their replies go out before it ends the
// streams; requests that arrive meanwhile get Unavailable. A handler that waits for a later
// request of its own stream (after Release) would wait forever: GracefulStop waits for it.
package server
