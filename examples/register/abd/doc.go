// Package abd is an atomic (linearizable) single-value register on Gorums quorum calls, with
// the ABD algorithm (Attiya, Bar-Noy and Dolev): a replica server, a majority QuorumSpec and
// a client.
//
// Every value carries a tag (timestamp, writer ID), ordered lexicographically. A Replica keeps
// the value with the greatest tag it has seen; a Write stores its value only if the value's tag
// is greater. The QuorumSpec waits for a majority of the configuration: ReadQF returns the
// greatest-tag value among a majority of replies, WriteQF acknowledges once a majority has
// answered. Any two majorities intersect, which is what makes the register atomic:
//
//   - Client.Read is a read phase (a quorum Read, giving the greatest tag among a majority)
//     followed by a write-back phase (a quorum Write of that value), so that once a Read
//     returns a value, a majority holds it (or something newer) and no later Read can return
//     an older one. Skipping the write-back breaks linearizability (new-old inversion).
//   - Client.Write is a read phase to learn the greatest timestamp, then a quorum Write of the
//     new value tagged (timestamp+1, writer ID).
//
// The register tolerates the crash of any minority of replicas: quorum calls finish with the
// replies of the live majority. A crashed replica must stay out of the configuration, or come
// back with the state it had: a replica that restarts empty is a new replica that has
// acknowledged nothing, and counting it toward a majority could make an acknowledged write
// invisible. This package keeps state in memory only, so a crashed replica must not be
// restarted under its old address.
//
// Concurrency: a Replica is safe for concurrent use (its state is guarded by a mutex, since
// the handlers of different client streams run concurrently). QSpec is immutable. A Client is
// safe for concurrent use; its operations run one at a time, as ABD requires of a process, and
// each Client needs a writer ID of its own. The package starts no goroutine: the Gorums runtime
// runs the node actors, the calls' collectors and the servers' receive loops.
package abd
