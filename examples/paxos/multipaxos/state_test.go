package multipaxos

import (
	"testing"

	pb "github.com/quorumcall/gorums/examples/paxos/proto"
	"google.golang.org/protobuf/proto"
)

func TestBallots(t *testing.T) {
	s := NewState()
	b1 := s.nextBallot(7)
	b2 := s.nextBallot(7)
	if b1.round() != 1 || b1.proposer() != 7 || b2 <= b1 {
		t.Fatalf("ballots %v then %v, want round 1 of 7, then a higher one", b1, b2)
	}
	other := makeBallot(40, 3)
	s.saw(other)
	if b := s.nextBallot(7); b <= other || b.round() != 41 {
		t.Fatalf("after seeing %v the next ballot is %v, want round 41", other, b)
	}
	s.saw(makeBallot(5, 9)) // a lower ballot changes nothing
	if b := s.nextBallot(7); b.round() != 42 {
		t.Fatalf("after seeing a lower ballot the next one is %v, want round 42", b)
	}
	// Different proposers never share a ballot, even in one round.
	if makeBallot(3, 1) == makeBallot(3, 2) || makeBallot(3, 2) >= makeBallot(4, 1) {
		t.Fatal("ballots do not order by round first, then proposer")
	}
}

// TestAcceptorRules walks one slot through promises and acceptances.
func TestAcceptorRules(t *testing.T) {
	s := NewState()
	b := func(round uint64, id uint32) ballot { return makeBallot(round, id) }
	steps := []struct {
		name string
		do   func() proto.Message
		want proto.Message
	}{
		{"first promise", func() proto.Message { return s.prepare(1, b(2, 1)) },
			&pb.Promise{OK: true, Promised: uint64(b(2, 1))}},
		{"a lower ballot is refused", func() proto.Message { return s.prepare(1, b(1, 2)) },
			&pb.Promise{Promised: uint64(b(2, 1))}},
		{"the same ballot is refused", func() proto.Message { return s.prepare(1, b(2, 1)) },
			&pb.Promise{Promised: uint64(b(2, 1))}},
		{"accept with the promised ballot", func() proto.Message { return s.accept(1, b(2, 1), "x") },
			&pb.Accepted{OK: true, Promised: uint64(b(2, 1))}},
		{"a higher promise tells what was accepted", func() proto.Message { return s.prepare(1, b(3, 2)) },
			&pb.Promise{OK: true, Promised: uint64(b(3, 2)), AcceptedBallot: uint64(b(2, 1)), AcceptedValue: "x"}},
		{"accept below the promise is refused", func() proto.Message { return s.accept(1, b(2, 1), "y") },
			&pb.Accepted{Promised: uint64(b(3, 2))}},
		{"accept above the promise is taken", func() proto.Message { return s.accept(1, b(4, 3), "z") },
			&pb.Accepted{OK: true, Promised: uint64(b(4, 3))}},
		{"other slots are apart", func() proto.Message { return s.prepare(2, b(1, 1)) },
			&pb.Promise{OK: true, Promised: uint64(b(1, 1))}},
		{"a decided slot answers with the decision", func() proto.Message { s.learn(1, "z"); return s.prepare(1, b(9, 1)) },
			&pb.Promise{Decided: true, DecidedValue: "z"}},
		{"a decided slot keeps its promise", func() proto.Message { return s.accept(1, b(3, 3), "stale") },
			&pb.Accepted{Promised: uint64(b(4, 3))}},
	}
	for _, st := range steps {
		if got := st.do(); !proto.Equal(got, st.want) {
			t.Fatalf("%s: %v, want %v", st.name, got, st.want)
		}
	}
}

func TestLearn(t *testing.T) {
	s := NewState()
	s.learn(1, "a")
	s.learn(3, "c")
	if got := s.firstUndecided(1); got != 2 {
		t.Errorf("firstUndecided(1) with slots 1 and 3 decided = %d, want 2", got)
	}
	if got := s.firstUndecided(3); got != 4 {
		t.Errorf("firstUndecided(3) = %d, want 4", got)
	}
	s.learn(2, "b")
	if got := s.firstUndecided(1); got != 4 {
		t.Errorf("firstUndecided(1) with 1..3 decided = %d, want 4", got)
	}
	s.learn(2, "b") // again: nothing new
	if len(s.Conflicts()) != 0 {
		t.Fatalf("conflicts after learning one value twice: %v", s.Conflicts())
	}
	s.learn(2, "other")
	if v, _ := s.decision(2); v != "b" || len(s.Conflicts()) != 1 {
		t.Errorf("a second value for slot 2: decision %q, conflicts %v; want b kept and one conflict", v, s.Conflicts())
	}
	if log := s.Log(); len(log) != 3 || log[1] != "a" || log[2] != "b" || log[3] != "c" {
		t.Errorf("Log = %v", log)
	}
}
