// Package configuration owns what a client calls: the immutable Configuration (a set of a
// Manager's nodes) with its set algebra, and the call engines: ordered RPC, quorum call, async
// quorum call, correctable and correctable stream calls, unicast and multicast.
//
// The decisions are plain code, tested without a network: setalgebra.go (union and difference
// of sorted node-ID lists), tally.go (when replies form a quorum, or the call is incomplete)
// and the levelled tally of correctable.go. The rest is thin: a call encodes its request once
// (once per node only with per-node arguments), puts it into each node actor's mailbox from the
// caller's goroutine, so calls reach each node in the order they were made, and then a
// collector drains the call's own mailbox (collector.go), keeping the replies in the typed map
// it hands to the quorum function after every reply.
//
// Which goroutine collects: the caller's, for ordered RPCs and quorum calls; a goroutine of the
// call's own for async and correctable calls, which ends when the call does (quorum, every node
// answered, context ended, or the manager closed). Only that goroutine touches the call's state.
//
// Configurations are values and safe for concurrent use; Async and Correctable handles may be
// read from any goroutine.
package configuration
