// Package actor is the small actor primitive the Gorums runtime is built from: a FIFO mailbox
// that many goroutines may send into, and a run loop that one goroutine drives until it is
// stopped.
//
// Ownership: a Mailbox is safe for concurrent use by any number of senders; receiving from it is
// meant for exactly one goroutine, the actor's run loop. State that an actor owns is touched only
// by that loop, so it needs no lock.
//
// Stop: an actor stops when its context ends or Stop is called. Messages still queued at that
// moment are not silently dropped: each is handed to the actor's reject function with
// ErrStopped, so whoever waits on it learns its fate, and every later Send returns ErrStopped.
// Done is closed when the run loop has returned and every queued message has been rejected.
//
// Panics: a panic in the handler of one message is recovered, reported to the actor's panic
// hook together with the message, and the loop goes on with the next message, so one bad
// message cannot take down a node's stream or a server.
//
// This package imports only the standard library.
package actor
