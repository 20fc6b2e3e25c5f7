package callproto

import "sync"

// inbox is a call's mailbox: node actors' receivers (and the call's own send prelude) put
// responses in, the call's collector takes them out. Putting never waits, so a slow collector
// (a slow quorum function) can never hold up a node's receiver, and therefore never delays
// another call's replies from that node.
//
// It stays bounded without waiting because what a call can be sent is bounded: at most one
// final response per node (a failure, or a handler's status), plus, for a stream call, replies
// that replace the node's previous unread reply (slot) instead of queueing behind it.
type inbox struct {
	mu     sync.Mutex
	queue  []Response // responses not yet taken, in arrival order
	spare  []Response // the previous batch, reused as the next queue
	slot   []int32    // stream calls: per node index, the queue position of its unread reply, or -1
	closed bool       // the call has finished: responses are dropped
	wake   chan struct{}
}

// init sets the inbox up with both as its two buffers (two halves, one per node each).
func (b *inbox) init(both []Response, stream bool) {
	nodes := len(both) / 2
	b.queue, b.spare = both[:0:nodes], both[nodes:nodes:2*nodes]
	if b.wake == nil {
		b.wake = make(chan struct{}, 1)
	}
	if stream {
		b.slot = make([]int32, nodes)
		for i := range b.slot {
			b.slot[i] = -1
		}
	}
}

// put adds r, or for a stream call replaces the unread reply of r's node, and wakes the
// collector. It never waits. It reports false if the call has finished and r was dropped.
func (b *inbox) put(r Response) bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	switch {
	case b.slot == nil:
		b.queue = append(b.queue, r)
	case r.isReply() && b.slot[r.Index] >= 0:
		b.queue[b.slot[r.Index]] = r // the newest reply of a stream is all the collector needs
	default:
		// A node's failure, or the status its handler ended with, is its last word: it
		// queues behind the node's unread reply, which must still be seen.
		if r.isReply() {
			b.slot[r.Index] = int32(len(b.queue))
		}
		b.queue = append(b.queue, r)
	}
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
	return true
}

// isReply reports whether r is a reply, not a failure or a handler's status.
func (r *Response) isReply() bool { return r.Err == nil && r.Status == nil }

// take returns what has arrived since the last take, oldest first. The batch is valid until
// the next take.
func (b *inbox) take() []Response {
	b.mu.Lock()
	batch := b.queue
	if len(batch) > 0 {
		b.queue = b.spare[:0]
		b.spare = batch
		for i := range b.slot {
			b.slot[i] = -1
		}
	}
	b.mu.Unlock()
	return batch
}

// close drops every later response.
func (b *inbox) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}

// reset readies a used inbox for its call's next use: open, empty, no wake-up pending.
func (b *inbox) reset() {
	b.queue, b.spare, b.slot, b.closed = nil, nil, nil, false
	select {
	case <-b.wake:
	default:
	}
}
