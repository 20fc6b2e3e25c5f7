package configuration

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"
)

// Correctable is the handle of a correctable call: a result that gets better, level by level,
// as replies arrive. Its methods are safe to call from any goroutine.
type Correctable[Out any] struct {
	mu       sync.Mutex
	out      Out
	level    int
	err      error
	done     chan struct{}
	watchers []levelWatcher
}

type levelWatcher struct {
	level int
	ch    chan struct{}
}

func newCorrectable[Out any]() *Correctable[Out] {
	return &Correctable[Out]{done: make(chan struct{})}
}

// Get returns the best result so far, its level, and the call's error (non-nil only once the
// call has ended without the quorum function reporting it done). It does not wait.
func (c *Correctable[Out]) Get() (Out, int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out, c.level, c.err
}

// Done is closed when the call has ended.
func (c *Correctable[Out]) Done() <-chan struct{} { return c.done }

// Watch returns a channel that is closed as soon as the result reaches level (or the call ends).
func (c *Correctable[Out]) Watch(level int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan struct{})
	if c.level >= level || c.isDone() {
		close(ch)
		return ch
	}
	c.watchers = append(c.watchers, levelWatcher{level: level, ch: ch})
	return ch
}

func (c *Correctable[Out]) isDone() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// publish sets a new result and level (and, when final, the error) and wakes the watchers it
// satisfies.
func (c *Correctable[Out]) publish(out Out, level int, final bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out, c.level, c.err = out, level, err
	kept := c.watchers[:0]
	for _, w := range c.watchers {
		if final || level >= w.level {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	c.watchers = kept
	if final {
		close(c.done)
	}
}

// levelTally is the decision core of a correctable call: like tally, but the quorum function
// also grades the replies with a level, and a call may publish many results before it is done.
type levelTally[Req, Resp, Out any] struct {
	in       Req
	qf       func(Req, map[uint32]Resp) (Out, int, bool)
	expected int
	stream   bool // nodes may reply many times: a node's newest reply replaces its older one
	replies  map[uint32]Resp
	errs     []NodeError
	failed   map[uint32]bool
	level    int
	out      Out
}

// reply adds a node's reply. better reports a result of a higher level than before (now in
// t.out, t.level); done reports that the quorum function is satisfied or that every node has
// answered without it (then err is the incomplete-call error).
func (t *levelTally[Req, Resp, Out]) reply(id uint32, r Resp) (better, done bool, err error) {
	if _, dup := t.replies[id]; dup && !t.stream {
		return false, false, nil
	}
	t.replies[id] = r
	out, level, ok := t.qf(t.in, t.replies)
	if ok {
		// The final result is the one the quorum function gave with done, at the level it
		// gave it, even if an earlier result had a higher one.
		t.out, t.level = out, level
		return true, true, nil
	}
	if level > t.level {
		better = true
		t.out, t.level = out, level
	}
	done, err = t.checkComplete()
	return better, done, err
}

func (t *levelTally[Req, Resp, Out]) fail(id uint32, cause error) (done bool, err error) {
	t.errs = append(t.errs, NodeError{NodeID: id, Cause: cause})
	t.failed[id] = true
	return t.checkComplete()
}

// checkComplete: a unary correctable call is over once every node has answered or failed; a
// stream's nodes may always send more, so it is over only once every node has failed.
func (t *levelTally[Req, Resp, Out]) checkComplete() (bool, error) {
	answered := len(t.failed)
	if !t.stream {
		answered += len(t.replies)
	}
	if answered >= t.expected {
		return true, incompleteError(len(t.replies), t.errs)
	}
	return false, nil
}

// CorrectableCall sends in to every node of c and returns at once a Correctable that publishes
// each better result qf reports, as soon as it reports it. The call ends when qf reports done,
// when every node has answered or failed, or when ctx ends.
func CorrectableCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, nil, qf, false)
}

// CorrectableCallPerNode is CorrectableCall with a request per node (see QuorumCallPerNode).
func CorrectableCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, perNode, qf, false)
}

// CorrectableStreamCall is CorrectableCall for methods whose servers send many replies: qf sees
// each node's newest reply. The call ends when qf reports done, when every node has failed, or
// when ctx ends.
func CorrectableStreamCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, nil, qf, true)
}

// CorrectableStreamCallPerNode is CorrectableStreamCall with a request per node.
func CorrectableStreamCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, perNode, qf, true)
}

func correctableCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool), stream bool,
) *Correctable[Out] {
	corr := newCorrectable[Out]()
	var zero Out
	if len(c.nodes) == 0 {
		corr.publish(zero, 0, true, incompleteError(0, nil))
		return corr
	}
	// A stream's replies keep coming while the collector works; a larger mailbox lets node
	// actors hand them over without waiting on the collector.
	size := len(c.nodes)
	if stream {
		size *= 8
	}
	cl := newCall(ctx, c, method, size)
	t := &levelTally[Req, Resp, Out]{in: in, qf: qf, stream: stream,
		replies: make(map[uint32]Resp, len(c.nodes)), failed: make(map[uint32]bool)}
	var (
		done bool
		err  error
	)
	frames := &framer[Req]{ctx: ctx, msgID: cl.msgID, method: method, in: in, perNode: perNode}
	cl.sendWith(frames.frameFor, stream, func(id uint32, cause error) {
		if !done {
			done, err = t.fail(id, cause)
		}
	})
	t.expected = cl.sent + len(t.errs)
	if !done && t.expected == len(t.errs) {
		done, err = t.checkComplete()
	}
	go func() {
		for !done {
			select {
			case r := <-cl.replies:
				resp, rerr := receive[Resp](cl, r)
				var better bool
				if rerr != nil {
					done, err = t.fail(r.NodeID, rerr)
				} else {
					better, done, err = t.reply(r.NodeID, resp)
				}
				if better && !done {
					corr.publish(t.out, t.level, false, nil)
				}
			case <-ctx.Done():
				done, err = true, t.abort(ctx.Err())
			}
		}
		if stream {
			cl.unanswerAll() // a stream's nodes may still reply: forget every one of them
		}
		cl.finish(len(t.replies), len(t.errs), err)
		corr.publish(t.out, t.level, true, err)
	}()
	return corr
}

func (t *levelTally[Req, Resp, Out]) abort(cause error) error {
	return contextError(cause, len(t.replies), t.errs)
}
