package server

import "sync/atomic"

// handlerLock is the token of a client stream: whoever holds it receives the stream's next
// request and runs its handler. The stream's receive loop holds it and passes it to each
// handler it runs, inline, on its own goroutine. If the handler returns, the token comes back
// and the loop goes on. If the handler calls Release first, the token moves on at once: a new
// goroutine takes over the receive loop and the releasing handler finishes on its own. So only
// handlers that ask for concurrency pay for a goroutine.
//
// The token is lent to one request at a time, named by its sequence number, so a Release from
// a handler that has already returned or released (a ServerCtx kept too long) cannot hand on
// the token of a later request. Lending costs no allocation.
type handlerLock struct {
	holder   atomic.Uint64 // the sequence number of the request holding the token; 0 if none
	next     uint64        // the last sequence number lent; touched only by the token's holder
	takeOver func()        // starts a new receive loop
}

// lend gives the token to the next request and returns that request's sequence number. Only
// the receive loop holding the token calls it.
func (l *handlerLock) lend() uint64 {
	l.next++
	l.holder.Store(l.next)
	return l.next
}

// release hands the token on if request seq still holds it.
func (l *handlerLock) release(seq uint64) {
	if l.holder.CompareAndSwap(seq, 0) {
		l.takeOver()
	}
}

// returned is called when request seq's handler returns; it reports whether the token is still
// here (true) or went on with Release (false).
func (l *handlerLock) returned(seq uint64) bool {
	return l.holder.CompareAndSwap(seq, 0)
}
