package configuration

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// Async is the future of an asynchronous quorum call. Get and Done are safe to call from any
// goroutine, any number of times.
type Async[Out any] struct {
	out  Out
	err  error
	done chan struct{}
}

// Get waits for the call to end and returns its result, as QuorumCall would have.
func (a *Async[Out]) Get() (Out, error) {
	<-a.done
	return a.out, a.err
}

// Done reports whether the call has ended, so that Get will not wait.
func (a *Async[Out]) Done() bool {
	select {
	case <-a.done:
		return true
	default:
		return false
	}
}

// AsyncCall starts a quorum call and returns its future at once. The requests are sent before
// AsyncCall returns, so async calls issued in a loop reach each node in issue order; the
// collector runs on a goroutine of its own, which ends when the call does (quorum, every node
// answered, ctx ended, or the manager closed).
func AsyncCall[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, bool),
) *Async[Out] {
	return startAsync(startQuorumCall(ctx, c, method, in, nil, qf))
}

// AsyncCallPerNode is AsyncCall with a request per node (see QuorumCallPerNode).
func AsyncCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c Configuration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) *Async[Out] {
	return startAsync(startQuorumCall(ctx, c, method, in, perNode, qf))
}

func startAsync[Req, Resp proto.Message, Out any](cl *call[Req, Resp, Out]) *Async[Out] {
	a := &Async[Out]{done: make(chan struct{})}
	if cl.done {
		a.out, a.err = cl.out, cl.err
		close(a.done)
		return a
	}
	go func() {
		a.out, a.err = cl.collect(nil)
		close(a.done)
	}()
	return a
}
