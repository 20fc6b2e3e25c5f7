package configuration

import "math/bits"

// tally is the decision core of every call: the replies so far, the failures so far, and what
// the quorum function makes of them. It does no I/O and knows no goroutines, so its rules are
// tested as plain code; the collector feeds it.
//
// The rules:
//   - a node counts once, whether it replied, failed or both; for a stream call a node's newer
//     reply replaces its older one, and the quorum function sees each node's newest;
//   - after every reply the quorum function is asked (qf, or the levelled lqf of correctable
//     calls); a result of a higher level than before is "better" and gets published;
//   - the call is done when the function says so, or when every node asked has answered
//     (unary) or failed (stream: its nodes may always send more) without it: incomplete;
//   - without a quorum function (one-way calls) the call is done once every node answered.
//
// Nodes are named by ID and by their index in the call's configuration.
type tally[Req, Resp, Out any] struct {
	in       Req
	qf       func(Req, map[uint32]Resp) (Out, bool)
	lqf      func(Req, map[uint32]Resp) (Out, int, bool)
	expected int  // how many nodes were asked
	stream   bool // nodes may reply many times
	// replies holds each node's reply for the quorum function. A one-way call on at most 64
	// nodes has none to keep: sent has a bit per node index that took its message instead,
	// and replies stays nil.
	replies map[uint32]Resp
	sent    uint64
	errs    []NodeError
	failed  int // nodes that failed: for a unary call only those without a reply
	out     Out
	level   int
}

// maxSentBits is how many nodes a one-way call's tally counts in its bits.
const maxSentBits = 64

// init readies t for a call that asked expected nodes, whose indices are below indices (the
// call's configuration size: per-node arguments may skip some of its nodes).
func (t *tally[Req, Resp, Out]) init(in Req, expected, indices int, stream bool,
	qf func(Req, map[uint32]Resp) (Out, bool), lqf func(Req, map[uint32]Resp) (Out, int, bool),
) {
	*t = tally[Req, Resp, Out]{in: in, qf: qf, lqf: lqf, expected: expected, stream: stream}
	if qf != nil || lqf != nil || indices > maxSentBits {
		// A hint of at most 8, a map's first group: a quorum function usually decides with
		// some of the replies, and a larger hint allocates room for every node at once.
		t.replies = make(map[uint32]Resp, min(expected, 8))
	}
	if lqf != nil {
		t.level = LevelNotSet // so that a first result of level 0 is published
	}
}

// replied reports whether node id (at index i) has replied.
func (t *tally[Req, Resp, Out]) replied(i int32, id uint32) bool {
	if t.replies == nil {
		return t.sent&(1<<uint(i)) != 0
	}
	_, ok := t.replies[id]
	return ok
}

// replyCount is how many nodes have replied.
func (t *tally[Req, Resp, Out]) replyCount() int {
	if t.replies == nil {
		return bits.OnesCount64(t.sent)
	}
	return len(t.replies)
}

// reply adds the reply of node id, at index i. better reports a result of a higher level than
// before (in t.out and t.level); done that the call is over, with err the incomplete-call
// error if the quorum function never accepted.
func (t *tally[Req, Resp, Out]) reply(i int32, id uint32, r Resp) (better, done bool, err error) {
	if t.hasFailed(id) {
		return false, false, nil // a node counts once
	}
	if t.replied(i, id) && !t.stream {
		return false, false, nil
	}
	if t.replies == nil {
		t.sent |= 1 << uint(i)
		done, err = t.complete()
		return false, done, err
	}
	t.replies[id] = r
	switch {
	case t.qf != nil:
		if out, ok := t.qf(t.in, t.replies); ok {
			t.out = out
			return false, true, nil
		}
	case t.lqf != nil:
		out, level, ok := t.lqf(t.in, t.replies)
		if ok {
			// The final result is the one the function gave with done, at the level it gave
			// it, even if an earlier result had a higher one.
			t.out, t.level = out, level
			return true, true, nil
		}
		if level > t.level {
			better = true
			t.out, t.level = out, level
		}
	}
	done, err = t.complete()
	return better, done, err
}

// fail records the failure of node id, at index i.
func (t *tally[Req, Resp, Out]) fail(i int32, id uint32, cause error) (done bool, err error) {
	if t.hasFailed(id) {
		return false, nil
	}
	if t.replied(i, id) && !t.stream {
		return false, nil // a node counts once, whatever it sent first
	}
	t.errs = append(t.errs, NodeError{NodeID: id, Cause: cause})
	t.failed++
	return t.complete()
}

func (t *tally[Req, Resp, Out]) hasFailed(id uint32) bool {
	for _, e := range t.errs {
		if e.NodeID == id {
			return true
		}
	}
	return false
}

// complete reports whether every node asked has been heard from without a quorum.
func (t *tally[Req, Resp, Out]) complete() (bool, error) {
	heard := t.failed
	if !t.stream {
		heard += t.replyCount()
	}
	if heard < t.expected {
		return false, nil
	}
	if t.qf == nil && t.lqf == nil {
		return true, nil // no quorum to reach: every node heard from is the end
	}
	return true, incompleteError(t.replyCount(), t.expected, t.errs)
}

// abort ends the call because its context ended.
func (t *tally[Req, Resp, Out]) abort(cause error) error {
	return contextError(cause, t.replyCount(), t.expected, t.errs)
}
