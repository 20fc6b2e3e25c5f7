package server

import "sync/atomic"

// handlerLock is the token of a client stream: whoever holds it receives the stream's next
// request and runs its handler. The stream's receive loop holds it and passes it to each
// handler it runs, inline, on its own goroutine. If the handler returns, the token comes back
// and the loop goes on. If the handler calls Release first, the token moves on at once: a new
// goroutine takes over the receive loop and the releasing handler finishes on its own. So only
// handlers that ask for concurrency pay for a goroutine.
type handlerLock struct {
	moved    atomic.Bool // set by the first of Release and the handler's return
	takeOver func()      // starts the new receive loop
}

// release hands the token on, once.
func (l *handlerLock) release() {
	if l.moved.CompareAndSwap(false, true) {
		l.takeOver()
	}
}

// returned is called when the handler returns; it reports whether the token is still here
// (true) or went on with Release (false).
func (l *handlerLock) returned() bool {
	return l.moved.CompareAndSwap(false, true)
}
