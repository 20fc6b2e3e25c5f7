package configuration

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/callproto"
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

// LevelNotSet is the level of a correctable call that has no result yet.
const LevelNotSet = -1

func newCorrectable[Out any]() *Correctable[Out] {
	return &Correctable[Out]{level: LevelNotSet, done: make(chan struct{})}
}

// Get returns the best result so far, its level (LevelNotSet before the first), and the call's
// error (non-nil only once the call has ended without the quorum function reporting it done).
// It does not wait. While the call runs the level only rises; the final result is the one the
// quorum function gave when it reported done, at the level it gave then, even if an earlier
// result had a higher one.
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

// CorrectableCall sends in to every node of c and returns at once a Correctable that publishes
// each better result qf reports, as soon as it reports it. The call ends when qf reports done,
// when every node has answered or failed, or when ctx ends.
func CorrectableCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, nil, qf, callproto.Unary)
}

// CorrectableCallPerNode is CorrectableCall with a request per node (see QuorumCallPerNode).
func CorrectableCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, perNode, qf, callproto.Unary)
}

// CorrectableStreamCall is CorrectableCall for methods whose servers send many replies: qf sees
// each node's newest reply. The call ends when qf reports done, when every node has failed, or
// when ctx ends.
func CorrectableStreamCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, nil, qf, callproto.Stream)
}

// CorrectableStreamCallPerNode is CorrectableStreamCall with a request per node.
func CorrectableStreamCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return correctableCall(ctx, c, method, in, perNode, qf, callproto.Stream)
}

// correctableCall sends the requests from the caller's goroutine and collects on a goroutine of
// the call's own, which publishes each better result and ends with the call.
func correctableCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool), kind callproto.Kind,
) *Correctable[Out] {
	corr := newCorrectable[Out]()
	cl := startCall[Req, Resp, Out](ctx, c, request[Req]{method: method, in: in, perNode: perNode, kind: kind, mode: failFull}, nil, qf)
	if cl.done {
		corr.publish(cl.out, LevelNotSet, true, cl.err)
		return corr
	}
	go func() {
		out, err := cl.collect(func(out Out, level int) { corr.publish(out, level, false, nil) })
		corr.publish(out, cl.t.level, true, err)
	}()
	return corr
}
