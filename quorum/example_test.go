package quorum_test

import (
	"fmt"

	"github.com/quorumcall/gorums/quorum"
)

// State stands for a generated message with a getter per field.
type State struct {
	Value     string
	Timestamp int64
}

func (s *State) GetValue() string {
	if s == nil {
		return ""
	}
	return s.Value
}

func (s *State) GetTimestamp() int64 {
	if s == nil {
		return 0
	}
	return s.Timestamp
}

// QSpec is a QuorumSpec whose methods are one line each.
type QSpec struct{ q quorum.Rule }

// ReadQF returns the newest state once a quorum replied.
func (qs QSpec) ReadQF(_ *State, replies map[uint32]*State) (*State, bool) {
	return quorum.Newest(replies, qs.q, (*State).GetTimestamp)
}

// ReadLevelsQF is ReadQF for a correctable call: the newest state so far, at the level of the
// number of replies.
func (qs QSpec) ReadLevelsQF(_ *State, replies map[uint32]*State) (*State, int, bool) {
	return quorum.CorrectableNewest(replies, qs.q, (*State).GetTimestamp)
}

// The runtime calls a quorum function after every reply, with all replies so far by node ID.
func Example() {
	qs := QSpec{q: quorum.Majority(3)}
	replies := map[uint32]*State{}
	for _, r := range []struct {
		node  uint32
		state *State
	}{
		{7, &State{Value: "old", Timestamp: 1}},
		{3, &State{Value: "new", Timestamp: 2}},
		{5, &State{Value: "newest", Timestamp: 3}}, // too late: the call has returned
	} {
		replies[r.node] = r.state
		state, done := qs.ReadQF(nil, replies)
		fmt.Printf("%d replies: %q, done %v\n", len(replies), state.GetValue(), done)
		if done {
			break
		}
	}
	// Output:
	// 1 replies: "", done false
	// 2 replies: "new", done true
}

func ExampleCorrectableNewest() {
	qs := QSpec{q: quorum.All(3)}
	replies := map[uint32]*State{}
	for node, s := range []*State{{"a", 5}, {"b", 3}, {"c", 9}} {
		replies[uint32(node)] = s
		state, level, done := qs.ReadLevelsQF(nil, replies)
		fmt.Printf("level %d: %q, done %v\n", level, state.GetValue(), done)
	}
	// Output:
	// level 1: "a", done false
	// level 2: "a", done false
	// level 3: "c", done true
}

// Matching waits for replies that agree, as a Byzantine fault-tolerant read with f = 1 waits
// for f+1 = 2 matching replies, of which one must come from a correct server.
func ExampleMatching() {
	replies := map[uint32]*State{}
	for node, s := range []*State{{"x", 1}, {"forged", 9}, {"x", 1}} {
		replies[uint32(node)] = s
		state, done := quorum.Matching(replies, quorum.Threshold(2), (*State).GetValue)
		fmt.Printf("%d replies: %q, done %v\n", len(replies), state.GetValue(), done)
	}
	// Output:
	// 1 replies: "", done false
	// 2 replies: "", done false
	// 3 replies: "x", done true
}

func ExampleMostFrequent() {
	replies := map[uint32]*State{1: {"x", 1}, 2: {"y", 1}, 3: {"y", 1}}
	state, done := quorum.MostFrequent(replies, quorum.Majority(3), (*State).GetValue)
	fmt.Println(state.GetValue(), done)
	// Output: y true
}

func ExampleAny() {
	acks := map[uint32]bool{9: true, 4: true}
	ack, done := quorum.Any(acks, quorum.First)
	fmt.Println(ack, done)
	_, done = quorum.Any(acks, quorum.All(3))
	fmt.Println(done)
	// Output:
	// true true
	// false
}
