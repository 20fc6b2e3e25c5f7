// Package actor is the small primitive the Gorums runtime's actors are built from: a bounded
// FIFO mailbox that many goroutines may send into, a Drain that lets whatever stops wait for
// the goroutines at work in it (a mailbox's senders, a server stream's handlers) without a lock
// held while they work, and the error value that stands for a recovered panic.
//
// Ownership: a Mailbox is safe for concurrent use by any number of senders; receiving from it
// is for one goroutine at a time, the actor: whichever goroutine holds the actor's run token
// (see internal/callproto's node actor, which drains its mailbox on the goroutine that holds
// the token). State that an actor owns is touched only by the token's holder, so it needs no
// other lock.
//
// Stop: a stopped mailbox refuses every later Send with ErrStopped, and hands each message
// still queued to a reject function, once, in order, so whoever waits on it learns its fate.
//
// This package imports only the standard library.
package actor
