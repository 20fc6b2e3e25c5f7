package callproto

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumcall/gorums/internal/wire"
)

// Calls are pooled: a quorum call's handle is most of what the call allocates, and handing it
// to the next call saves the garbage collector that work. A call may be reused only when no
// one can touch it any more: its owner (the call engine, until Release) and the nodes, which
// hold a call while they hold one of its requests (from Enqueue until the request is sent,
// refused or failed) and while it has a pending entry (until the entry is taken and its reply
// delivered, or removed). Each hold is a bit per node index (sentTo.held) and a count in refs;
// whoever gives back the last one puts the call back.
var callPool = sync.Pool{New: func() any { return new(Call) }}

// What a node holds of a call, per node index.
const (
	heldRequest uint32 = 1 << iota // a request: queued, handed over or being sent
	heldEntry                      // a pending entry
)

// AcquireCall returns the handle of a call to n nodes that started at start (the caller's
// clock reading, which nodes measure their latency from), as NewCall does, from the pool. Its
// owner must call Release once it no longer uses it (after Finish or Returned, and after its
// last MsgID or Failures); it is reused when the nodes have given it back too.
func AcquireCall(ctx context.Context, ids *MsgIDs, kind Kind, n int, start time.Time) *Call {
	c := callPool.Get().(*Call)
	c.setUp(ctx, ids, kind, n, start)
	c.pooled = true
	return c
}

// Release gives back the owner's hold on the call; later calls do nothing.
func (c *Call) Release() {
	if c.owned.Swap(false) {
		c.unref()
	}
}

// hold records that a node holds what of the call for node index i.
func (c *Call) hold(i int32, what uint32) {
	c.refs.Add(1)
	c.sent[i].held.Or(what)
}

// release gives back what a node held of the call for node index i, if it still holds it.
func (c *Call) release(i int32, what uint32) {
	if c.sent[i].held.And(^what)&what != 0 {
		c.unref()
	}
}

func (c *Call) unref() {
	if c.refs.Add(-1) != 0 {
		return
	}
	for i, f := range c.frames {
		f.Done() // no node holds the call: its requests are sent or dropped everywhere
		c.frames[i] = nil
	}
	c.frames = c.frames[:0]
	if c.pooled {
		c.recycle()
	}
}

// recycleHook, if set, is called with each call put back in the pool (for tests).
var recycleHook atomic.Pointer[func()]

// SetRecycleHook makes f be called whenever a call goes back to the pool, or stops that with
// nil; it is for tests, which count reuse.
func SetRecycleHook(f func()) {
	if f == nil {
		recycleHook.Store(nil)
		return
	}
	recycleHook.Store(&f)
}

// recycle clears the call of everything its last use left and puts it back in the pool.
func (c *Call) recycle() {
	c.ctx, c.msgID, c.decode, c.ids, c.pooled, c.start = nil, 0, nil, nil, false, time.Time{}
	c.state.Store(callOpen)
	for i := range c.sent {
		c.sent[i].node, c.sent[i].answered = nil, false
		c.sent[i].held.Store(0)
	}
	c.sent = nil
	clear(c.respArr[:]) // replies and errors: not kept alive by the pool
	clear(c.respBig)
	c.inbox.reset()
	c.shared = wire.Frame{} // never handed to gRPC: no one reads it any more
	c.alone.Store(nil)
	if f := recycleHook.Load(); f != nil {
		(*f)()
	}
	callPool.Put(c)
}
