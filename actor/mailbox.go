package actor

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrStopped is returned by Send on a stopped mailbox and given to the reject function for
// every message that was still queued when the mailbox stopped.
var ErrStopped = errors.New("actor: stopped")

// ErrFull is returned by TrySend when the mailbox's buffer is full.
var ErrFull = errors.New("actor: mailbox full")

// Mailbox is a bounded FIFO queue with many senders and one receiver.
//
// The buffer is a channel, so a send into a mailbox with room costs one channel operation and
// needs no goroutine. Senders hold no lock, not even while they wait for room: each counts
// itself in senders for the length of its send, so that Stop can wait until no sender is
// mid-way through a send before it drains the queue. After Stop, a message is either rejected
// by the drain or refused to its sender, never both and never neither.
type Mailbox[T any] struct {
	queue   chan T
	stopped chan struct{} // closed by Stop: wakes senders waiting for room, refuses new ones
	// senders counts the senders between their check of stoppedBit and their return, plus
	// stoppedBit once Stop has begun, after which no sender enters.
	senders atomic.Int64
	left    chan struct{} // closed (once) when the last sender leaves a stopping mailbox
	leftOne sync.Once
	stop    sync.Once
}

// stoppedBit marks a stopping mailbox in Mailbox.senders.
const stoppedBit = 1 << 62

// NewMailbox returns a mailbox that holds up to capacity messages before senders wait.
// A capacity below 1 is taken as 1.
func NewMailbox[T any](capacity int) *Mailbox[T] {
	if capacity < 1 {
		capacity = 1
	}
	return &Mailbox[T]{queue: make(chan T, capacity), stopped: make(chan struct{}), left: make(chan struct{})}
}

// enter counts a sender in; it reports false, counting nothing, once the mailbox stops.
func (m *Mailbox[T]) enter() bool {
	if m.senders.Add(1)&stoppedBit != 0 {
		m.leave()
		return false
	}
	return true
}

// leave counts a sender out; the last one out of a stopping mailbox lets Stop drain it (a
// sender refused by a stopping mailbox may also be the last out, hence the once).
func (m *Mailbox[T]) leave() {
	if m.senders.Add(-1) == stoppedBit {
		m.leftOne.Do(func() { close(m.left) })
	}
}

// Send queues msg, waiting while the mailbox is full. It returns ctx.Err() if ctx ends first
// and ErrStopped if the mailbox is or becomes stopped; in both cases msg was not queued.
func (m *Mailbox[T]) Send(ctx context.Context, msg T) error {
	if !m.enter() {
		return ErrStopped
	}
	defer m.leave()
	select {
	case m.queue <- msg:
		return nil
	default:
	}
	select {
	case m.queue <- msg:
		return nil
	case <-m.stopped:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TrySend queues msg if there is room and returns ErrFull otherwise, without waiting.
func (m *Mailbox[T]) TrySend(msg T) error {
	if !m.enter() {
		return ErrStopped
	}
	defer m.leave()
	select {
	case m.queue <- msg:
		return nil
	default:
		return ErrFull
	}
}

// Receive returns the channel the single receiver reads messages from.
func (m *Mailbox[T]) Receive() <-chan T { return m.queue }

// Len reports how many messages are queued.
func (m *Mailbox[T]) Len() int { return len(m.queue) }

// Cap reports the mailbox's capacity.
func (m *Mailbox[T]) Cap() int { return cap(m.queue) }

// Stop refuses all further sends and hands every queued message to reject (if not nil) with
// ErrStopped, in FIFO order. Only the first call does anything. It must not race with the
// receiver: call it from the receiving goroutine, or after that goroutine has returned.
func (m *Mailbox[T]) Stop(reject func(T, error)) {
	m.stop.Do(func() {
		close(m.stopped) // wakes senders waiting for room, so that they leave
		if m.senders.Add(stoppedBit) != stoppedBit {
			<-m.left // senders are mid-way: the drain must see what they queue
		}
		for {
			select {
			case msg := <-m.queue:
				if reject != nil {
					reject(msg, ErrStopped)
				}
			default:
				return
			}
		}
	})
}
