package multipaxos

import (
	"fmt"
	"maps"
	"sync"

	pb "github.com/quorumcall/gorums/examples/paxos/proto"
)

// State is what a replica keeps on stable storage, so that it survives a crash: its
// acceptor's promise and accepted value in each slot, the slots it knows to be decided, and
// the last round its proposer used. Paxos is safe only if an acceptor that restarts keeps its
// promises and a proposer never reuses a ballot, so a restarted replica must be given its old
// State (as the tests do with gorumstest's Restart); a replica that lost it must not rejoin
// under its old ID.
//
// Its methods are the acceptor's and learner's rules, without a network: they are safe for
// concurrent use (one mutex guards everything) and never block.
type State struct {
	mu        sync.Mutex
	slots     map[uint64]*slotState
	decided   map[uint64]string
	next      uint64 // no slot below it is undecided
	round     uint64 // the last round the proposer used or saw
	conflicts []string
}

// slotState is an acceptor's state in one slot.
type slotState struct {
	promised ballot // no ballot below it will be accepted
	accepted ballot // the ballot of value; 0 if nothing was accepted
	value    string
}

// NewState returns the state of a replica that never ran.
func NewState() *State {
	return &State{slots: make(map[uint64]*slotState), decided: make(map[uint64]string), next: 1}
}

func (s *State) slot(n uint64) *slotState {
	st := s.slots[n]
	if st == nil {
		st = &slotState{}
		s.slots[n] = st
	}
	return st
}

// prepare is the acceptor's phase 1: it promises b if b is higher than every ballot it
// promised in the slot, and tells what it accepted there. A slot it knows decided is
// answered with the decision, which ends the proposer's instance at once.
func (s *State) prepare(slot uint64, b ballot) *pb.Promise {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.decided[slot]; ok {
		return &pb.Promise{Decided: true, DecidedValue: v}
	}
	st := s.slot(slot)
	if b <= st.promised {
		return &pb.Promise{Promised: uint64(st.promised)}
	}
	st.promised = b
	return &pb.Promise{OK: true, Promised: uint64(b), AcceptedBallot: uint64(st.accepted), AcceptedValue: st.value}
}

// accept is the acceptor's phase 2: it accepts value with b unless it promised a higher
// ballot in the slot. (Ballots are unique, so b equal to the promise is the proposer it
// promised.)
func (s *State) accept(slot uint64, b ballot, value string) *pb.Accepted {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.slot(slot)
	if b < st.promised {
		return &pb.Accepted{Promised: uint64(st.promised)}
	}
	st.promised, st.accepted, st.value = b, b, value
	return &pb.Accepted{OK: true, Promised: uint64(b)}
}

// learn records that value was decided in slot. A different value for a decided slot would
// be a broken protocol: it is kept as a conflict, for the tests to find, and the first value
// stays.
func (s *State) learn(slot uint64, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if have, ok := s.decided[slot]; ok {
		if have != value {
			s.conflicts = append(s.conflicts, fmt.Sprintf("slot %d: decided %q, then %q", slot, have, value))
		}
		return
	}
	// The slot's promise stays: an acceptor that forgot it could accept a stale proposer's
	// Accept with a lower ballot, and a quorum of such could decide a second value.
	s.decided[slot] = value
	for {
		if _, ok := s.decided[s.next]; !ok {
			break
		}
		s.next++
	}
}

// decision returns the slot's decided value, if the replica knows it.
func (s *State) decision(slot uint64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.decided[slot]
	return v, ok
}

// firstUndecided returns the first slot from on that the replica does not know decided.
func (s *State) firstUndecided(from uint64) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := max(from, s.next)
	for {
		if _, ok := s.decided[slot]; !ok {
			return slot
		}
		slot++
	}
}

// nextBallot returns a ballot of proposer id with a round above every round it used or saw,
// so no ballot is used twice.
func (s *State) nextBallot(id uint32) ballot {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.round++
	return makeBallot(s.round, id)
}

// saw notes a ballot another proposer holds, so that the next ballot is higher.
func (s *State) saw(b ballot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.round = max(s.round, b.round())
}

// Log returns a copy of the decided values by slot.
func (s *State) Log() map[uint64]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.decided)
}

// Conflicts returns the decisions that contradicted an earlier one: none, if Paxos holds.
func (s *State) Conflicts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.conflicts...)
}
