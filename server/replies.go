package server

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/quorumcall/gorums/internal/wire"
)

// replyQueue holds one stream's encoded replies on their way to the client and decides who
// writes them. It has no goroutine of its own while idle: a sender whose reply finds no
// writer at work starts the writer, which writes that reply and then every reply queued
// meanwhile, in order, until the queue is empty. Usually the sender itself is the writer; on a
// stream that batches (batch), a reply that may gather with others (one to a request that came
// in a batch) starts a writer goroutine instead, which sends the replies queued together as one
// batch. So one goroutine at a time writes, replies leave in
// the order they were queued, and an idle stream holds neither a writer nor a buffer: the
// queue grows on demand and is dropped when it drains.
//
// The queue is bounded in bytes and in replies. A sender reserves room for its reply before
// encoding it and waits while there is none, so a client that does not read its replies costs
// the server at most the bound (plus one reply larger than the whole bound, which is admitted
// into an empty queue). The stream's receive loop asks waitRoom before it reads the next
// request, so such a client is held back by gRPC flow control instead of starting handlers.
//
// Every method is safe for concurrent use; write is called by the writer only.
type replyQueue struct {
	write func(frames []outFrame) error // puts frames on the stream, several as one batch
	batch bool                          // the writer may send the frames queued together as one batch
	// batchBytes bounds a batch's size, within the client's receive limit (0: BatchMaxBytes)
	batchBytes int
	broken     func(error) // told when write fails: the stream is broken
	maxBytes   int
	maxCount   int

	full atomic.Bool // mirrors isFull, so the receive loop checks it without the lock

	mu      sync.Mutex
	frames  []outFrame // queued frames, oldest at head; empty whenever no one writes
	head    int
	bytes   int            // memory reserved by admitted replies not yet written (see outFrame.footprint)
	count   int            // admitted replies not yet written
	waiters int            // senders waiting for room
	writing bool           // some sender (or, when batching, a goroutine) is the writer
	writer  sync.WaitGroup // the writer goroutine of a stream that batches
	batchOf []outFrame     // the writer's, reused: the frames it writes next
	err     error
	room    chan struct{} // closed when room may have been made; nil while no one waits
	idle    chan struct{} // closed when the queue empties or closes; nil while no one waits
}

// outFrame is an encoded reply in the queue (wire.EncodeReply): its bytes, maybe in a pooled
// buffer, which goes back to the pool once the reply has been sent or copied into a batch, or
// dropped.
type outFrame = wire.Encoded

func newReplyQueue(maxBytes, maxCount int, write func([]outFrame) error, broken func(error)) replyQueue {
	return replyQueue{write: write, broken: broken, maxBytes: max(maxBytes, 1), maxCount: max(maxCount, 1)}
}

// admitIfEmpty admits a reply of any size if the queue is empty, so that the usual reply,
// sent on an idle stream, needs no size estimate. It reports whether it did.
func (q *replyQueue) admitIfEmpty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count > 0 || q.err != nil {
		return false
	}
	q.count = 1
	q.changed()
	return true
}

// reserve admits a reply of about n bytes, waiting while the queue has no room for it. It
// fails if ctx ends or the queue closes first.
func (q *replyQueue) reserve(ctx context.Context, n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.err == nil && q.count > 0 && (q.bytes+n > q.maxBytes || q.count >= q.maxCount) {
		q.waiters++
		q.changed()
		err := q.wait(ctx, &q.room)
		q.waiters--
		if q.waiters == 0 {
			q.freed() // the receive loop waits for no sender to wait
		} else {
			q.changed()
		}
		if err != nil {
			return err
		}
	}
	if q.err != nil {
		return q.err
	}
	q.count++
	q.bytes += n
	q.changed()
	return nil
}

// unreserve gives back an admitted reply's room when its reply is not sent after all.
func (q *replyQueue) unreserve(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.count--
	q.bytes -= n
	q.freed()
}

// push queues the frame of a reply admitted with reserved bytes. If no one is writing, the
// caller becomes the writer: push then returns once the queue is empty, with the error of
// writing frame; or, for a stream that batches and a reply that may gather with others, it
// starts a writer goroutine. Otherwise it returns at once.
func (q *replyQueue) push(frame outFrame, reserved int, gather bool) error {
	q.mu.Lock()
	if q.err != nil {
		q.count--
		q.bytes -= reserved
		q.freed()
		err := q.err
		q.mu.Unlock()
		frame.Release()
		return err
	}
	size := frame.Footprint()
	q.bytes += size - reserved
	if size < reserved {
		signal(&q.room)
	}
	if q.writing {
		q.frames = append(q.frames, frame)
		q.changed()
		q.mu.Unlock()
		return nil
	}
	q.writing = true
	q.changed()
	q.mu.Unlock()
	if q.batch && gather {
		// A stream that batches writes from a goroutine of its own while replies come, so
		// that the replies of the requests that follow gather into batches behind the write
		// in progress; it ends when the queue empties.
		q.writer.Add(1)
		go func() {
			defer q.writer.Done()
			_ = q.run(frame, true) // a failed write ends the stream through broken
		}()
		return nil
	}
	return q.run(frame, false)
}

// run is the writer: it writes frame, then every queued frame (those queued together as one
// batch when the stream batches), and stops when the queue is empty or closed. With gather (a
// writer goroutine of a stream that batches) the frames queued before its first write go with
// frame. It returns the error of the write that carried frame.
func (q *replyQueue) run(frame outFrame, gather bool) error {
	var first error
	out := append(q.batchOf[:0], frame)
	if gather {
		// A writer goroutine comes to its first write some time after it was started: the
		// replies queued meanwhile go with the first.
		q.mu.Lock()
		out = q.takeBatch(out, wire.BatchAdd(0, len(frame.Bytes)))
		q.mu.Unlock()
	}
	for isFirst := true; ; isFirst = false {
		err := q.write(out)
		if isFirst {
			first = err
		}
		q.mu.Lock()
		for _, f := range out {
			q.count--
			q.bytes -= f.Footprint()
		}
		clear(out)
		out = out[:0]
		if err != nil && q.err == nil {
			q.closeLocked(err)
			q.mu.Unlock()
			q.broken(err)
			q.mu.Lock()
		}
		if q.err != nil || q.head == len(q.frames) {
			q.writing = false
			q.batchOf = out
			q.frames, q.head = q.frames[:0], 0
			if cap(q.frames) > 64 {
				q.frames = nil // a burst's queue is not kept for an idle stream
			}
			signal(&q.idle)
			q.freed()
			q.mu.Unlock()
			return first
		}
		out = q.takeBatch(out, 0)
		q.mu.Unlock()
	}
}

// batchLimit is how many bytes a batch may have.
func (q *replyQueue) batchLimit() int {
	if q.batchBytes > 0 {
		return q.batchBytes
	}
	return wire.BatchMaxBytes
}

// takeBatch moves queued frames to out (which holds frames of size bytes in all, as a batch)
// while they fit in one message: one frame if the stream does not batch, else up to the batch
// limits. q.mu is held.
func (q *replyQueue) takeBatch(out []outFrame, size int) []outFrame {
	for q.head < len(q.frames) {
		f := q.frames[q.head]
		grown := wire.BatchAdd(size, len(f.Bytes))
		if len(out) > 0 && (!q.batch || len(out) == wire.BatchMaxEnvelopes || grown > q.batchLimit()) {
			break
		}
		out, size = append(out, f), grown
		q.frames[q.head] = outFrame{}
		q.head++
	}
	q.freed()
	return out
}

// waitRoom waits until the queue has room for another reply and no sender waits for room,
// or ctx ends, or the queue closes. The receive loop calls it before reading a request.
func (q *replyQueue) waitRoom(ctx context.Context) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.err == nil && q.isFull() {
		if q.wait(ctx, &q.room) != nil {
			return
		}
	}
}

// waitIdle waits until every admitted reply has been written, or ctx ends, or the queue
// closes; it reports whether the queue emptied.
func (q *replyQueue) waitIdle(ctx context.Context) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.err == nil && q.count > 0 {
		if q.wait(ctx, &q.idle) != nil {
			return false
		}
	}
	return q.err == nil
}

// close refuses further replies, drops the queued ones and waits until the writer, if any,
// has finished its current write: after close no goroutine touches the stream for the queue.
func (q *replyQueue) close(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.closeLocked(err)
	}
	for q.writing {
		_ = q.wait(context.Background(), &q.idle)
	}
	q.mu.Unlock()
	q.writer.Wait() // the writer goroutine, if any, has returned
}

func (q *replyQueue) closeLocked(err error) {
	q.err = err
	for _, f := range q.frames[q.head:] {
		q.count--
		q.bytes -= f.Footprint()
		f.Release()
	}
	clear(q.frames)
	q.frames, q.head = nil, 0
	signal(&q.idle)
	q.freed()
}

// isFull reports whether a new request must wait: the queue is at a bound or a sender waits.
func (q *replyQueue) isFull() bool {
	return q.bytes >= q.maxBytes || q.count >= q.maxCount || q.waiters > 0
}

// changed updates full after the queue's state changed; q.mu is held.
func (q *replyQueue) changed() {
	if full := q.isFull(); q.full.Load() != full {
		q.full.Store(full)
	}
}

// freed wakes those waiting for room after room may have been made; q.mu is held.
func (q *replyQueue) freed() {
	q.changed()
	signal(&q.room)
}

// wait waits for *ch (made if nil) to be closed, or ctx to end; q.mu is held on entry and on
// return, and released meanwhile.
func (q *replyQueue) wait(ctx context.Context, ch *chan struct{}) error {
	if *ch == nil {
		*ch = make(chan struct{})
	}
	c := *ch
	q.mu.Unlock()
	defer q.mu.Lock()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func signal(ch *chan struct{}) {
	if *ch != nil {
		close(*ch)
		*ch = nil
	}
}
