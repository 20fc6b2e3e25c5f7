package quorum

import (
	"fmt"
	"math"
	"testing"
)

// reply is a test reply: a value and a version.
type reply struct {
	val string
	ver int
}

func (r *reply) String() string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s@%d", r.val, r.ver)
}

func val(r *reply) string { return r.val }
func ver(r *reply) int    { return r.ver }

func TestRules(t *testing.T) {
	tests := []struct {
		rule    Rule
		want    int // the fewest replies that reach it
		display string
	}{
		{Majority(1), 1, "Majority(1)"},
		{Majority(2), 2, "Majority(2)"},
		{Majority(3), 2, "Majority(3)"},
		{Majority(4), 3, "Majority(4)"},
		{Majority(9), 5, "Majority(9)"},
		{Threshold(4), 4, "Threshold(4)"},
		{Threshold(0), 1, "Threshold(0)"},
		{Threshold(-3), 1, "Threshold(-3)"},
		{All(5), 5, "All(5)"},
		{First, 1, "First"},
	}
	for _, tt := range tests {
		if tt.rule.Reached(tt.want-1) || !tt.rule.Reached(tt.want) || !tt.rule.Reached(tt.want+1) {
			t.Errorf("%s: reached by %d replies? %v; by %d? %v; want first at %d", tt.display,
				tt.want-1, tt.rule.Reached(tt.want-1), tt.want, tt.rule.Reached(tt.want), tt.want)
		}
	}
}

// replies builds a reply map from id=val@ver triples.
func replies(rs ...any) map[uint32]*reply {
	m := map[uint32]*reply{}
	for i := 0; i < len(rs); i += 3 {
		m[uint32(rs[i].(int))] = &reply{val: rs[i+1].(string), ver: rs[i+2].(int)}
	}
	return m
}

type result struct {
	reply *reply
	done  bool
}

func TestQuorumFunctions(t *testing.T) {
	three := replies(30, "a", 1, 10, "b", 3, 20, "a", 2)
	tests := []struct {
		name string
		got  func() (*reply, bool)
		want result
	}{
		{"Any: too few", func() (*reply, bool) { return Any(three, Majority(6)) }, result{nil, false}},
		{"Any: majority of 5, the lowest node ID", func() (*reply, bool) { return Any(three, Majority(5)) }, result{three[10], true}},
		{"Any: majority of 3", func() (*reply, bool) { return Any(three, Majority(3)) }, result{three[10], true}},
		{"Any: first of none", func() (*reply, bool) { return Any(map[uint32]*reply{}, First) }, result{nil, false}},
		{"Any: nil map", func() (*reply, bool) { return Any[*reply](nil, First) }, result{nil, false}},
		{"Any: all of 3", func() (*reply, bool) { return Any(three, All(3)) }, result{three[10], true}},
		{"Any: all of 4", func() (*reply, bool) { return Any(three, All(4)) }, result{nil, false}},

		{"Newest: too few", func() (*reply, bool) { return Newest(three, Threshold(4), ver) }, result{nil, false}},
		{"Newest: largest version", func() (*reply, bool) { return Newest(three, Threshold(3), ver) }, result{three[10], true}},
		{"Newest: ties to the lowest ID", func() (*reply, bool) {
			return Newest(replies(5, "x", 7, 3, "y", 7, 9, "z", 1), First, ver)
		}, result{&reply{"y", 7}, true}},
		{"Newest: by a string key", func() (*reply, bool) { return Newest(three, First, val) }, result{three[10], true}},

		{"MostFrequent: too few", func() (*reply, bool) { return MostFrequent(three, All(4), val) }, result{nil, false}},
		{"MostFrequent: the majority value, lowest ID of it", func() (*reply, bool) { return MostFrequent(three, All(3), val) }, result{three[20], true}},
		{"MostFrequent: a tie goes to the value of the lowest ID", func() (*reply, bool) {
			return MostFrequent(replies(4, "b", 0, 2, "a", 0, 8, "b", 0, 6, "a", 0), First, val)
		}, result{&reply{"a", 0}, true}},
		{"MostFrequent: all different", func() (*reply, bool) {
			return MostFrequent(replies(4, "b", 0, 2, "c", 0, 8, "a", 0), First, val)
		}, result{&reply{"c", 0}, true}},

		{"Matching: two match", func() (*reply, bool) { return Matching(three, Threshold(2), val) }, result{three[20], true}},
		{"Matching: three do not", func() (*reply, bool) { return Matching(three, Threshold(3), val) }, result{nil, false}},
		{"Matching: every reply differs", func() (*reply, bool) {
			return Matching(replies(1, "a", 0, 2, "b", 0, 3, "c", 0), Threshold(2), val)
		}, result{nil, false}},
		{"Matching: first is any reply", func() (*reply, bool) { return Matching(three, First, val) }, result{three[20], true}},
		{"Matching: none", func() (*reply, bool) { return Matching(map[uint32]*reply{}, First, val) }, result{nil, false}},
		{"Matching: by version", func() (*reply, bool) {
			return Matching(replies(1, "a", 4, 2, "b", 4, 3, "c", 5), Majority(3), ver)
		}, result{&reply{"a", 4}, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, done := tt.got()
			if done != tt.want.done || r.String() != tt.want.reply.String() {
				t.Errorf("got (%v, %v), want (%v, %v)", r, done, tt.want.reply, tt.want.done)
			}
		})
	}
}

func TestCorrectableFunctions(t *testing.T) {
	one := replies(30, "a", 1)
	three := replies(30, "a", 1, 10, "b", 3, 20, "a", 2)
	none := map[uint32]*reply{}
	type res struct {
		reply *reply
		level int
		done  bool
	}
	tests := []struct {
		name string
		got  func() (*reply, int, bool)
		want res
	}{
		{"Any: none", func() (*reply, int, bool) { return CorrectableAny(none, First) }, res{nil, 0, false}},
		{"Any: one of a majority of 3", func() (*reply, int, bool) { return CorrectableAny(one, Majority(3)) }, res{one[30], 1, false}},
		{"Any: three of all 3", func() (*reply, int, bool) { return CorrectableAny(three, All(3)) }, res{three[10], 3, true}},
		{"Newest: none", func() (*reply, int, bool) { return CorrectableNewest(none, First, ver) }, res{nil, 0, false}},
		{"Newest: one", func() (*reply, int, bool) { return CorrectableNewest(one, All(3), ver) }, res{one[30], 1, false}},
		{"Newest: three", func() (*reply, int, bool) { return CorrectableNewest(three, All(3), ver) }, res{three[10], 3, true}},
		{"MostFrequent: none", func() (*reply, int, bool) { return CorrectableMostFrequent(none, First, val) }, res{nil, 0, false}},
		{"MostFrequent: three of four", func() (*reply, int, bool) { return CorrectableMostFrequent(three, All(4), val) }, res{three[20], 3, false}},
		{"MostFrequent: three", func() (*reply, int, bool) { return CorrectableMostFrequent(three, Majority(3), val) }, res{three[20], 3, true}},
		{"Matching: none", func() (*reply, int, bool) { return CorrectableMatching(none, First, val) }, res{nil, 0, false}},
		{"Matching: two of three match", func() (*reply, int, bool) { return CorrectableMatching(three, All(3), val) }, res{three[20], 2, false}},
		{"Matching: two match", func() (*reply, int, bool) { return CorrectableMatching(three, Threshold(2), val) }, res{three[20], 2, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, level, done := tt.got()
			if r.String() != tt.want.reply.String() || level != tt.want.level || done != tt.want.done {
				t.Errorf("got (%v, %d, %v), want (%v, %d, %v)", r, level, done, tt.want.reply, tt.want.level, tt.want.done)
			}
		})
	}
}

// TestDeterministic calls every function many times on the same replies: map order must not
// change the result.
func TestDeterministic(t *testing.T) {
	rs := replies(1, "a", 1, 2, "b", 1, 3, "a", 1, 4, "b", 1, 5, "c", 1, 6, "c", 1)
	want := [4]*reply{}
	want[0], _ = Any(rs, First)
	want[1], _ = Newest(rs, First, ver)
	want[2], _ = MostFrequent(rs, First, val)
	want[3], _ = Matching(rs, Threshold(2), val)
	for range 200 {
		got := [4]*reply{}
		got[0], _ = Any(rs, First)
		got[1], _ = Newest(rs, First, ver)
		got[2], _ = MostFrequent(rs, First, val)
		got[3], _ = Matching(rs, Threshold(2), val)
		if got != want {
			t.Fatalf("got %v, earlier %v", got, want)
		}
	}
	if want[0] != rs[1] || want[1] != rs[1] || want[2] != rs[1] || want[3] != rs[1] {
		t.Errorf("got %v, want node 1's reply from each", want)
	}
}

// Float keys that are NaN tie as well (keys are ordered as cmp.Compare orders them): the
// lowest node ID wins, whatever the map's order.
func TestNewestNaNKeys(t *testing.T) {
	rs := map[uint32]float64{}
	for id := uint32(1); id <= 8; id++ {
		rs[id] = math.NaN()
	}
	self := func(f float64) float64 { return f }
	for range 200 {
		if got := newestID(rs, self); got != 1 {
			t.Fatalf("Newest picked node %d of the NaN keys, want 1", got)
		}
	}
}

// newestID is the node ID of newest's pick.
func newestID(rs map[uint32]float64, key func(float64) float64) uint32 {
	tagged := make(map[uint32]uint32, len(rs))
	for id := range rs {
		tagged[id] = id
	}
	return newest(tagged, func(id uint32) float64 { return key(rs[id]) })
}
