package server

import "context"

// ServerCtx is what a handler gets: the client stream's context (its metadata, including the
// request's own per-message metadata, and its peer; it ends when the stream does) and the
// handler lock of the stream.
type ServerCtx struct {
	context.Context
	lock *handlerLock
	seq  uint64 // the request this context was made for
}

// Release lets the stream's next request start before this handler returns. Until a handler
// returns or calls Release, requests of its stream wait, so handlers of one stream run one at
// a time in arrival order. Replies of released handlers may go out in any order. Calling
// Release more than once, or after the handler returned, does nothing.
func (c ServerCtx) Release() {
	if c.lock != nil {
		c.lock.release(c.seq)
	}
}
