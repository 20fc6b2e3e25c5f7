package configuration

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// atLeast is a quorum function: it accepts k replies and returns their sum.
func atLeast(k int) func(string, map[uint32]int) (int, bool) {
	return func(_ string, replies map[uint32]int) (int, bool) {
		if len(replies) < k {
			return 0, false
		}
		sum := 0
		for _, v := range replies {
			sum += v
		}
		return sum, true
	}
}

// levels is a levelled quorum function: the level is the number of replies, done at k, and
// the result the sum of the replies.
func levels(k int) func(string, map[uint32]int) (int, int, bool) {
	return func(_ string, replies map[uint32]int) (int, int, bool) {
		sum := 0
		for _, v := range replies {
			sum += v
		}
		return sum, len(replies), len(replies) >= k
	}
}

// event is what a node sends the collector: a reply (value) or a failure (fail).
type event struct {
	node  uint32
	value int
	fail  bool
}

func reply(node uint32, v int) event { return event{node: node, value: v} }
func failure(node uint32) event      { return event{node: node, fail: true} }

// outcome is what the tally says after an event.
type outcome struct {
	better     bool
	done       bool
	incomplete bool // done with ErrIncomplete
	out        int
	level      int
}

var (
	waiting = outcome{}
	gotMore = func(out, level int) outcome { return outcome{better: true, out: out, level: level} }
)

func TestTally(t *testing.T) {
	tests := []struct {
		name     string
		expected int
		stream   bool
		qf       func(string, map[uint32]int) (int, bool)
		lqf      func(string, map[uint32]int) (int, int, bool)
		events   []event
		after    []outcome // after each event
	}{
		{
			name: "quorum of 2 of 3", expected: 3, qf: atLeast(2),
			events: []event{reply(1, 10), reply(2, 20)},
			after:  []outcome{waiting, {done: true, out: 30}},
		},
		{
			name: "quorum despite a failure", expected: 3, qf: atLeast(2),
			events: []event{failure(1), reply(2, 1), reply(3, 2)},
			after:  []outcome{waiting, waiting, {done: true, out: 3}},
		},
		{
			name: "every node failed", expected: 3, qf: atLeast(2),
			events: []event{failure(1), failure(2), failure(3)},
			after:  []outcome{waiting, waiting, {done: true, incomplete: true}},
		},
		{
			name: "replies and failures without a quorum", expected: 3, qf: atLeast(3),
			events: []event{reply(1, 1), failure(2), reply(3, 1)},
			after:  []outcome{waiting, waiting, {done: true, incomplete: true}},
		},
		{
			name: "a node counts once: reply twice", expected: 2, qf: atLeast(2),
			events: []event{reply(1, 1), reply(1, 5), reply(2, 2)},
			after:  []outcome{waiting, waiting, {done: true, out: 3}},
		},
		{
			name: "a node counts once: reply then failure", expected: 2, qf: atLeast(2),
			events: []event{reply(1, 1), failure(1), failure(2)},
			after:  []outcome{waiting, waiting, {done: true, incomplete: true}},
		},
		{
			name: "a node counts once: failure then reply", expected: 2, qf: atLeast(1),
			events: []event{failure(1), reply(1, 9), failure(2)},
			after:  []outcome{waiting, waiting, {done: true, incomplete: true}},
		},
		{
			name: "a node counts once: failure twice", expected: 2, qf: atLeast(1),
			events: []event{failure(1), failure(1), reply(2, 4)},
			after:  []outcome{waiting, waiting, {done: true, out: 4}},
		},
		{
			name: "levels rise, done at 3", expected: 3, lqf: levels(3),
			events: []event{reply(1, 1), reply(2, 2), reply(3, 3)},
			after:  []outcome{gotMore(1, 1), gotMore(3, 2), {better: true, done: true, out: 6, level: 3}},
		},
		{
			name: "levels: incomplete keeps the best result", expected: 3, lqf: levels(3),
			events: []event{reply(1, 1), failure(2), reply(3, 3)},
			after:  []outcome{gotMore(1, 1), waiting, {better: true, done: true, incomplete: true, out: 4, level: 2}},
		},
		{
			name: "stream: newest reply replaces, only failures end it", expected: 2, stream: true, lqf: levels(3),
			events: []event{reply(1, 1), reply(1, 5), reply(2, 2), failure(1), failure(2)},
			after:  []outcome{gotMore(1, 1), waiting, gotMore(7, 2), waiting, {done: true, incomplete: true, out: 7, level: 2}},
		},
		{
			name: "levels: a first result of level 0 is published", expected: 2, lqf: func(_ string, r map[uint32]int) (int, int, bool) {
				return len(r), len(r) - 1, false
			},
			events: []event{reply(1, 0), reply(2, 0)},
			after:  []outcome{gotMore(1, 0), {better: true, done: true, incomplete: true, out: 2, level: 1}},
		},
		{
			name: "levels: nothing published before the end", expected: 1, lqf: levels(1),
			events: []event{failure(1)},
			after:  []outcome{{done: true, incomplete: true, level: LevelNotSet}},
		},
		{
			name: "stream: done by the quorum function", expected: 2, stream: true, lqf: func(_ string, r map[uint32]int) (int, int, bool) {
				return r[1], r[1], r[1] >= 3
			},
			events: []event{reply(1, 1), reply(1, 2), reply(1, 3)},
			after:  []outcome{gotMore(1, 1), gotMore(2, 2), {better: true, done: true, out: 3, level: 3}},
		},
		{
			name: "one-way: done once every node is heard from", expected: 3,
			events: []event{reply(1, 0), failure(2), reply(3, 0)},
			after:  []outcome{waiting, waiting, {done: true}},
		},
		{
			name: "one-way: a node counts once: taken twice", expected: 2,
			events: []event{reply(1, 0), reply(1, 0), reply(2, 0)},
			after:  []outcome{waiting, waiting, {done: true}},
		},
		{
			name: "one-way: a node counts once: taken, then failed", expected: 2,
			events: []event{reply(1, 0), failure(1), failure(2)},
			after:  []outcome{waiting, waiting, {done: true}},
		},
		{
			name: "no nodes asked", expected: 0, qf: atLeast(1),
			events: []event{failure(1)}, // a stray event: ignored once done
			after:  []outcome{{done: true, incomplete: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tl tally[string, int, int]
			tl.init("in", tt.expected, tt.expected, tt.stream, tt.qf, tt.lqf)
			for i, ev := range tt.events {
				var got outcome
				var err error
				if ev.fail {
					got.done, err = tl.fail(int32(ev.node-1), ev.node, fmt.Errorf("node %d down", ev.node))
				} else {
					got.better, got.done, err = tl.reply(int32(ev.node-1), ev.node, ev.value)
				}
				got.incomplete = errors.Is(err, ErrIncomplete)
				if err != nil && !got.incomplete {
					t.Fatalf("event %d: error %v", i, err)
				}
				if got.done && !got.incomplete || got.better || got.incomplete {
					got.out, got.level = tl.out, tl.level
				}
				if want := tt.after[i]; got != want {
					t.Fatalf("after event %d (%+v): %+v, want %+v", i, ev, got, want)
				}
				if got.done {
					return
				}
			}
		})
	}
}

func TestTallyQuorumFunctionSeesRequestAndReplies(t *testing.T) {
	var tl tally[string, int, int]
	var saw string
	var seen map[uint32]int
	tl.init("the request", 2, 2, false, func(in string, r map[uint32]int) (int, bool) {
		saw, seen = in, r
		return 0, false
	}, nil)
	tl.reply(0, 7, 1)
	tl.reply(1, 8, 2)
	if saw != "the request" || len(seen) != 2 || seen[7] != 1 || seen[8] != 2 {
		t.Fatalf("qf got %q, %v", saw, seen)
	}
}

func TestTallyAbort(t *testing.T) {
	var tl tally[string, int, int]
	tl.init("in", 3, 3, false, atLeast(3), nil)
	tl.reply(0, 1, 1)
	tl.fail(1, 2, errors.New("down"))
	err := tl.abort(context.DeadlineExceeded)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrIncomplete) {
		t.Fatalf("abort: %v", err)
	}
	var qcErr QuorumCallError
	if !errors.As(err, &qcErr) || qcErr.ReplyCount != 1 || len(qcErr.Errors) != 1 || qcErr.Errors[0].NodeID != 2 {
		t.Fatalf("abort: %+v", qcErr)
	}
}

// A one-way call on more nodes than its tally has bits for counts them by ID, each once.
func TestTallyOneWayOnManyNodes(t *testing.T) {
	const n = maxSentBits + 6
	var tl tally[string, int, int]
	tl.init("in", n, n, false, nil, nil)
	for i := range n {
		if _, done, _ := tl.reply(int32(i), uint32(100+i), 0); done != (i == n-1) {
			t.Fatalf("node %d of %d: done %v", i+1, n, done)
		}
		if i == n-2 {
			if _, done, _ := tl.reply(int32(i), uint32(100+i), 0); done {
				t.Fatalf("a node that was heard from twice counted twice")
			}
		}
	}
	if got := tl.replyCount(); got != n {
		t.Fatalf("%d nodes counted, want %d", got, n)
	}
}

// A one-way call with per-node arguments may ask fewer nodes than its configuration has, at
// indices up to the configuration's size: each counts, also beyond the tally's bits.
func TestTallyOneWaySkippedNodes(t *testing.T) {
	const nodes, skipped = maxSentBits + 6, 10
	var tl tally[string, int, int]
	tl.init("in", nodes-skipped, nodes, false, nil, nil)
	for i := skipped; i < nodes; i++ {
		if _, done, _ := tl.reply(int32(i), uint32(100+i), 0); done != (i == nodes-1) {
			t.Fatalf("node at index %d: done %v", i, done)
		}
	}
	if got := tl.replyCount(); got != nodes-skipped {
		t.Fatalf("%d nodes counted, want %d", got, nodes-skipped)
	}
}
