// Package manager owns the client's node pool: the Manager, which creates each node once and
// shares it between configurations, gives out message IDs and closes everything; and the node
// actor, one per node, which alone owns the node's gRPC connection, its NodeStream, its
// reconnect schedule and its table of requests awaiting replies.
//
// Goroutines and what they own, per node:
//   - the node actor (node_actor.go) drains the node's mailbox in FIFO order: requests from
//     callers, which it puts on the stream, and events (connect now, stream broken). It alone
//     opens, sends on and drops the stream, so one client's messages reach the node in the
//     order they were queued, whatever their call type;
//   - the stream's receiver reads replies and routes each, by message ID, to the call waiting
//     for it (pending.go). When the stream breaks it fails every request sent on it at once,
//     then tells the actor, which reconnects with backoff (backoff.go);
//   - a connection watcher, after the first attempt, waits for the connection to be ready,
//     opens the stream and posts it into the mailbox; the actor itself never waits for a
//     redial, so requests fail fast meanwhile;
//   - a retry timer (for a server that ends streams without replying) only posts "connect now".
//
// The pending table is the one piece of state shared by the actor (adds), the receiver (takes)
// and the call engines (Forget); a mutex guards it and is never held across a channel send.
//
// Requests never wait on a node that is down or being redialled: they fail at once with
// Unavailable; only the first connection attempt, which starts when the node is created, is
// waited for. Manager, Node and the package-level functions (Enqueue, TryEnqueue, Forget, ...)
// are safe for concurrent use. Close stops every node actor and waits for it and its receiver.
package manager
