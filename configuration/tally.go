package configuration

// tally is the decision core of a quorum call: the replies so far, the failures so far, and
// what the quorum function makes of them. It does no I/O and knows no goroutines, so its rules
// are tested as plain code; the collector feeds it.
type tally[Req, Resp, Out any] struct {
	in       Req
	qf       func(Req, map[uint32]Resp) (Out, bool)
	expected int // how many nodes were asked
	replies  map[uint32]Resp
	errs     []NodeError
}

func (t *tally[Req, Resp, Out]) init(in Req, expected int, qf func(Req, map[uint32]Resp) (Out, bool)) {
	*t = tally[Req, Resp, Out]{in: in, qf: qf, expected: expected, replies: make(map[uint32]Resp, expected)}
}

// reply adds node id's reply and asks the quorum function. done is true when the call is over:
// with the function's result if ok, or with an incomplete-call error if every node has now
// answered without a quorum.
func (t *tally[Req, Resp, Out]) reply(id uint32, r Resp) (out Out, done bool, err error) {
	if t.answered(id) {
		return out, false, nil // a node counts once
	}
	t.replies[id] = r
	if out, ok := t.qf(t.in, t.replies); ok {
		return out, true, nil
	}
	return t.checkComplete()
}

// fail records node id's failure.
func (t *tally[Req, Resp, Out]) fail(id uint32, cause error) (out Out, done bool, err error) {
	if t.answered(id) {
		return out, false, nil // a node counts once, whatever it sent first
	}
	t.errs = append(t.errs, NodeError{NodeID: id, Cause: cause})
	return t.checkComplete()
}

func (t *tally[Req, Resp, Out]) answered(id uint32) bool {
	if _, ok := t.replies[id]; ok {
		return true
	}
	for _, e := range t.errs {
		if e.NodeID == id {
			return true
		}
	}
	return false
}

func (t *tally[Req, Resp, Out]) checkComplete() (out Out, done bool, err error) {
	if len(t.replies)+len(t.errs) >= t.expected {
		return out, true, incompleteError(len(t.replies), t.errs)
	}
	return out, false, nil
}

// abort ends the call because its context ended.
func (t *tally[Req, Resp, Out]) abort(cause error) error {
	return contextError(cause, len(t.replies), t.errs)
}
