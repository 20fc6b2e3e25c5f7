// Paxos is a replicated log on multi-decree Paxos, whose replicas serve the Paxos service and
// make quorum calls on each other (gorums.NewReplica), as a runnable demo: five replicas in
// this process, clients proposing values through all of them at once, two replicas crashing,
// the other three, a majority, deciding everything proposed through them, and a check that
// the logs agree.
//
// Usage:
//
//	go run ./examples/paxos
//
// The service and its generated API are in the proto subdirectory; the replica (proposer,
// acceptor and learner), its stable state and its quorum functions are in package
// multipaxos, whose doc walks through the protocol and whose tests check agreement with
// concurrent proposers, a crashed minority, crashes in the middle of proposals, restarts
// with the replicas' state, a hung replica, and no progress without a majority.
//
// Goroutines: each replica's Serve runs on a goroutine of its own, waited for when the demo
// stops the replica; the clients of a round run on goroutines of their own, joined before
// the next round. Output from concurrent clients is serialized by a mutex.
package main
