package actor

import (
	"context"
	"fmt"
	"runtime/debug"
)

// Handler processes one message. It runs on the actor's goroutine only.
type Handler[T any] func(ctx context.Context, msg T)

// Config says how an actor treats the messages it cannot or could not handle.
type Config[T any] struct {
	// Reject receives each message still queued when the actor stops, with ErrStopped.
	Reject func(msg T, err error)
	// OnPanic is called with the message and a *PanicError when a handler panics. The actor
	// then goes on with the next message.
	OnPanic func(msg T, err error)
	// OnStop runs on the actor's goroutine after the loop has ended and before the queued
	// messages are rejected: the place to release what the actor owns.
	OnStop func()
}

// PanicError describes a panic recovered from a handler.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("actor: handler panicked: %v", e.Value) }

// Actor is a goroutine that handles the messages of one mailbox, one at a time, in order.
type Actor[T any] struct {
	mailbox *Mailbox[T]
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start runs handle for every message of mailbox on a new goroutine until ctx ends or Stop is
// called.
func Start[T any](ctx context.Context, mailbox *Mailbox[T], handle Handler[T], cfg Config[T]) *Actor[T] {
	ctx, cancel := context.WithCancel(ctx)
	a := &Actor[T]{mailbox: mailbox, cancel: cancel, done: make(chan struct{})}
	go a.run(ctx, handle, cfg)
	return a
}

func (a *Actor[T]) run(ctx context.Context, handle Handler[T], cfg Config[T]) {
	defer close(a.done)
	for {
		select {
		case <-ctx.Done():
			a.finish(cfg, nil)
			return
		case msg := <-a.mailbox.Receive():
			if ctx.Err() != nil {
				// Stop raced with this message: it gets the same fate as the rest of the queue,
				// and is rejected first, after OnStop like the others.
				a.finish(cfg, &msg)
				return
			}
			safeHandle(ctx, handle, msg, cfg.OnPanic)
		}
	}
}

// finish runs OnStop, then rejects first (a message taken from the mailbox after the stop, if
// any) and every message still queued, in that order.
func (a *Actor[T]) finish(cfg Config[T], first *T) {
	if cfg.OnStop != nil {
		cfg.OnStop()
	}
	if first != nil && cfg.Reject != nil {
		cfg.Reject(*first, ErrStopped)
	}
	a.mailbox.Stop(cfg.Reject)
}

func safeHandle[T any](ctx context.Context, handle Handler[T], msg T, onPanic func(T, error)) {
	defer func() {
		if r := recover(); r != nil && onPanic != nil {
			onPanic(msg, &PanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	handle(ctx, msg)
}

// Stop asks the actor to stop; it does not wait. Use Done to wait.
func (a *Actor[T]) Stop() { a.cancel() }

// Done is closed when the actor's goroutine has returned and its queue has been drained.
func (a *Actor[T]) Done() <-chan struct{} { return a.done }

// StopAndWait stops the actor and waits until it is done.
func (a *Actor[T]) StopAndWait() {
	a.cancel()
	<-a.done
}
