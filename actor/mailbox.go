package actor

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped is returned by Send on a stopped mailbox and given to the reject function for
// every message that was still queued when the mailbox stopped.
var ErrStopped = errors.New("actor: stopped")

// ErrFull is returned by TrySend when the mailbox's buffer is full.
var ErrFull = errors.New("actor: mailbox full")

// Mailbox is a bounded FIFO queue with many senders and one receiver.
//
// The buffer is a channel, so a send into a mailbox with room costs one channel operation and
// needs no goroutine. Senders hold no lock, not even while they wait for room: each enters the
// mailbox's Drain for the length of its send, so that Stop can wait until no sender is mid-way
// through a send before it drains the queue. After Stop, a message is either rejected by the
// drain or refused to its sender, never both and never neither.
type Mailbox[T any] struct {
	queue   chan T
	stopped chan struct{} // closed by Stop: wakes senders waiting for room, refuses new ones
	senders Drain
	stop    sync.Once
}

// NewMailbox returns a mailbox that holds up to capacity messages before senders wait.
// A capacity below 1 is taken as 1.
func NewMailbox[T any](capacity int) *Mailbox[T] {
	if capacity < 1 {
		capacity = 1
	}
	return &Mailbox[T]{queue: make(chan T, capacity), stopped: make(chan struct{})}
}

// Send queues msg, waiting while the mailbox is full. It returns ctx.Err() if ctx ends first
// and ErrStopped if the mailbox is or becomes stopped; in both cases msg was not queued.
func (m *Mailbox[T]) Send(ctx context.Context, msg T) error {
	if !m.senders.Enter() {
		return ErrStopped
	}
	defer m.senders.Leave()
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
	if !m.senders.Enter() {
		return ErrStopped
	}
	defer m.senders.Leave()
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
		close(m.stopped)  // wakes senders waiting for room, so that they leave
		m.senders.Close() // senders mid-way: the drain must see what they queue
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
