// Package callproto is the protocol between calls and nodes: the node actor, one per node,
// and the Call handle through which a call engine sends to nodes and hears back. It is
// internal so that users never reach message IDs, pending entries or mailboxes.
//
// A NodeActor alone owns its node's gRPC connection, its NodeStream and its reconnect state.
// The actor is a role: whichever goroutine holds the node's run token (run_token.go) handles
// the mailbox's messages, in FIFO order, and only it touches the stream and the actor state.
// Goroutines and what they do, per node:
//   - any goroutine that queues a message (a caller, or one of those below) runs the mailbox
//     itself if the token is free: requests from calls, which it puts on the stream (several
//     as one batch when the stream batches, batch.go), and events (stream opened, stream
//     broken, retry). A caller that finds the token free and the mailbox empty does not even
//     queue its request: it sends it at once. It never waits for the network: what could (the
//     first connection attempt, a request the stream may not have room for, by what replies
//     and read receipts (receipt.go) show the server has read) it hands, with the token, to
//   - the node's own goroutine, which runs what is handed to it, runs the mailbox of a stream
//     that batches while several calls are in progress (woken by each sender, so that their
//     requests gather into batches, a lone one as a batch of one so that the server may gather
//     its reply with others), and stops the node on Close. One client's messages reach the
//     node in the order they were queued, whatever their call type. A request is registered
//     as pending before it is sent;
//   - the stream's receiver reads replies, decodes each with its call's decoder and delivers
//     it, by message ID, to its call's inbox, which never makes it wait. When the stream
//     breaks it fails every request sent on it and tells the actor;
//   - a connection watcher waits for the connection to be ready, opens a stream and posts it
//     to the actor; the actor never waits for a redial, so requests fail fast meanwhile. Only
//     the first attempt is waited for, by requests in the mailbox, for at most ConnectWait;
//   - timers only post messages.
//
// The pending table is shared by the actor (adds), the receiver (takes) and finishing calls
// (forget); it is split into shards by message ID, and a shard's mutex is held only for its
// map operation.
//
// A Call (call.go) is one call in flight: one message ID, an inbox (inbox.go) that node actors
// deliver responses to without waiting (a stream call keeps each node's newest reply in a
// slot), Next for the call's collector, and Finish, which carries the rule that no pending
// entry outlives its call: the actor adds an entry and then checks the call's state, Finish
// sets the state and then forgets the entries. A request is withdrawn (not sent) only if its
// call's context ended while the call was still waiting.
//
// Calls from AcquireCall are pooled (pool.go): most of what a quorum call allocates is its
// handle, so a finished call's handle serves a later call. It is reused only when no one can
// touch it: its owner gives it back with Release, and a node holds it (a bit per node index,
// and a count) from Enqueue until it is through with the request, and while the request has a
// pending entry; the receiver holds a stream call's handle while it delivers a reply. Whoever
// gives back the last hold puts the handle back in the pool.
//
// NodeActor's exported methods are safe for concurrent use. A Call's Enqueue, Fail, Next,
// Finish and Release belong to its owner (the goroutine sending, then the one collecting).
package callproto
