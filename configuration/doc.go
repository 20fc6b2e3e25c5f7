// Package configuration owns what a client calls: the immutable Configuration (a set of a
// Manager's nodes) with its set algebra, and the call engine behind every call type: ordered
// RPC, unicast, multicast, quorum call, async quorum call, correctable and correctable stream.
//
// Programs use it through generated code: a generated Configuration embeds Configuration, and
// each generated method calls one entry point here (QuorumCall, AsyncCall, CorrectableCall,
// CorrectableStreamCall, Multicast, their PerNode variants, RPCCall, Unicast).
//
// One engine serves them all (engine.go). A call encodes its request once (once per node only
// with per-node messages), then, on the caller's goroutine so that calls reach each node in the
// order they were made, puts it into each node actor's mailbox through a call handle of package
// internal/callproto. A node that cannot be sent to counts as that node's failure, and the call
// goes on with the others. Then a collector takes the nodes' responses from the call's inbox
// and feeds the tally (tally.go), which asks the quorum function after every reply. A call type
// is a thin adapter over how its result is published: returned (ordered RPC, quorum call,
// one-way calls), in a future (Async) or level by level (Correctable).
//
// The decisions are plain code, tested without a network: tally.go (quorum, levels, a node
// counting once, incomplete calls), setalgebra.go (union and difference of sorted node-ID
// lists) and errors.go (QuorumCallError and its text).
//
// Which goroutine collects: the caller's for ordered RPCs, quorum calls and waiting one-way
// calls; a goroutine of the call's own for async and correctable calls, which ends when the
// call does (quorum, every node heard from, context ended, or the manager closed) and contains
// a panicking quorum function, as the synchronous collectors do (the call fails with Internal).
// Only the collector touches a call after its requests are sent. It releases the call handle
// once it has collected (the handle is pooled, and reused when no node holds it any more), so
// nothing after collect reads the handle: what the trace and the outcome need is kept in the
// call itself. A synchronous call's state lives on its caller's stack: nothing that outlives
// the call points into it (a small request lives in the handle, a larger one in a frame of its
// own).
//
// Configurations are values and safe for concurrent use; Async and Correctable handles may be
// read from any goroutine.
package configuration
