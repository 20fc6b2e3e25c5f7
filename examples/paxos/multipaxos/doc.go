// Package multipaxos is a replicated log on multi-decree Paxos, built on Gorums replicas
// that serve and call each other: every replica is a proposer, an acceptor and a learner,
// and each slot of the log is decided by one Paxos instance. A client asks any replica to
// Propose a value; that replica's handler decides it with quorum calls on the configuration
// of every replica, itself included (reached in memory), and answers with the slot.
//
//	state := multipaxos.NewState()                // keep it on stable storage
//	r, err := gorums.NewReplica(id, members, ...) // see package replica
//	multipaxos.Register(r, state)                 // serves Paxos; handlers call r.Configuration()
//	err = r.Start()
//
// The protocol, per slot:
//
//   - A proposer picks the first slot it does not know decided and a ballot, round<<32 | its
//     ID, with a round above any it used or saw: no two attempts of any proposers share a
//     ballot, and the round is part of State, so a restarted proposer does not reuse one.
//   - Phase 1, Prepare (a quorum call): an acceptor promises a ballot above every one it
//     promised in the slot and tells what it accepted there. With a majority of promises the
//     proposer must propose the value accepted with the highest ballot among them, if any (it
//     may have been chosen), and its own value otherwise. An acceptor that knows the slot
//     decided answers with the decision, which ends the instance.
//   - Phase 2, Accept (a quorum call): an acceptor accepts unless it promised a higher ballot.
//     A majority of acceptances decides the value; the proposer records it and multicasts
//     Learn to every replica.
//   - A refusal in either phase means another proposer holds a higher ballot: the proposer
//     waits a random, growing time (so that dueling proposers drift apart) and tries again
//     with a higher round. A call without a quorum (too many replicas down) is tried again the
//     same way until the proposal's time (WithProposeTimeout) runs out; then Propose fails
//     with Unavailable.
//   - If the slot was decided with another value, the proposer goes on to the next slot, so a
//     value is decided in one slot only, unless its client proposes it again after a failed
//     Propose (which may still be decided): values should be unique commands.
//
// Two majorities intersect, so a value chosen in a slot is seen by every later Prepare
// majority and proposed again: no slot is decided twice with different values. State.learn
// checks it on every replica and keeps any contradiction as a conflict, which CheckAgreement
// (used by the tests and the demo) requires to be empty. Paxos needs acceptors to keep
// their promises across crashes: State is what a replica would write to disk, and a
// restarted replica must get its old State back (the tests restart replicas with theirs).
//
// A replica that missed decisions (it was down, or hung, or a Learn was lost) learns them
// when its own proposer prepares those slots, since replicas that know a slot decided answer
// Prepare with the decision; until then its log has gaps. The safety of the log does not
// depend on Learn.
//
// Goroutines and state: handlers run on the replica's server, Propose after Release (a
// proposal takes two or more rounds of quorum calls) so that one client's proposals run
// concurrently; State guards everything with one mutex and never blocks, so the acceptor
// handlers are quick and hold no stream. QSpec keeps no state.
package multipaxos
