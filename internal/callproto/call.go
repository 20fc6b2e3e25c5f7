package callproto

import (
	"context"
	"sync/atomic"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/wire"
)

// Kind says what a call's nodes send back for its request.
type Kind uint8

const (
	// Unary calls get one reply (or error) per node.
	Unary Kind = iota
	// Stream calls may get many replies per node; only an error ends a node's part.
	Stream
	// OneWay calls get no reply: the node actor reports once the message is on the stream.
	OneWay
)

// Response is what a call hears about one node: the node's reply (Payload, or Status when its
// handler failed), the error that stands in for a reply (node down, stream broken, manager
// closed, message refused), or, for a one-way call, that the message is on the stream (no
// Err, nothing else).
type Response struct {
	Index  int32         // the node's position in the call
	NodeID uint32        // the node's ID
	Reply  proto.Message // the reply, decoded by the call's Decoder
	Status *spb.Status
	Err    error
}

// Decoder turns a reply's payload into the call's reply message. It runs on the node's
// receiver, so it must be quick and safe for concurrent use; it keeps no reference to the
// bytes, which go back to gRPC's buffer pool after it returns.
type Decoder func(payload []byte) (proto.Message, error)

// Call states. A call is open while its collector waits. It becomes returned when it ends with
// a result, or with every node heard from, and abandoned when it ends because its context did.
const (
	callOpen uint32 = iota
	callReturned
	callAbandoned
)

// Call is the handle through which a call engine talks to node actors: one message ID for the
// whole call, a send per node, an inbox the node actors deliver responses to, and Finish.
//
// The protocol, and the rule that no pending entry outlives its call, live here: a node actor
// registers a request as pending and then checks the call's state; Finish sets the state
// before it forgets the requests still pending. Either the actor sees the call ended or
// Finish sees the entry. And a request is withdrawn, not sent, only if the call's context
// ended while the call was still waiting: a call that returned with a result has its queued
// requests sent all the same (the usual defer cancel() must not keep a write from a replica).
//
// Send and Finish are called by the call's owner (the goroutine that sends, then the one that
// collects; never both at once); node actors call deliver from any goroutine.
type Call struct {
	ctx    context.Context
	msgID  uint64
	kind   Kind
	decode Decoder // turns replies into messages; nil for one-way calls
	ids    *MsgIDs // counts the call as in progress until it ends
	// start is when the call began; a node's latency is measured from it, so that it
	// counts the time a request waited for the node as well.
	start time.Time
	state atomic.Uint32
	inbox inbox
	// refs counts who may still touch the call: its owner until Release, plus one for each
	// request a node holds (queued or being sent) and each pending entry. A call from
	// AcquireCall goes back to the pool when it drops to zero (pool.go).
	refs   atomic.Int32
	owned  atomic.Bool // the owner has not released the call
	pooled bool        // from AcquireCall: reused once released by all
	// sent holds, by node index, the node the request was queued for (nil if none) and
	// whether its final response has been taken: Finish forgets the others.
	sent []sentTo
	// Storage for calls of up to inlineNodes nodes, so that a call is one allocation.
	sentArr [inlineNodes]sentTo
	respArr [2 * inlineNodes]Response
	// Storage for larger calls, kept when the handle goes back to the pool.
	sentBig []sentTo
	respBig []Response
	// frames are the call's requests in pooled buffers (OwnFrame): Done once no one holds
	// the call, when no node will send them again.
	frames []*wire.Frame
	// shared holds, in sharedBuf, the request every node gets when it is small (SharedFrame):
	// storage that is reused with the handle, so it is never handed to gRPC, which may read
	// what it is given after SendMsg returns. Batches copy it; a node that sends it alone
	// sends a copy, made once per call (frameAlone).
	shared    wire.Frame
	sharedBuf [SmallFrame]byte
	alone     atomic.Pointer[aloneFrame]
}

// SmallFrame is the largest request a call's handle holds in storage of its own.
const SmallFrame = 256

// aloneFrame is the copy of a call's shared frame that goes to gRPC alone, with its storage:
// one allocation, never reused.
type aloneFrame struct {
	frame wire.Frame
	buf   [SmallFrame]byte
}

// SharedFrame returns the call's own frame and storage, for a small request that every node
// gets (wire.EncodeSmallInto). They are the call's until it is released.
func (c *Call) SharedFrame() (*wire.Frame, []byte) { return &c.shared, c.sharedBuf[:0] }

// frameAlone returns the frame to hand to gRPC for f, a frame of the call sent alone: f
// itself, unless it is the call's shared frame, whose storage is reused; then a copy, made
// once for every node that sends it alone.
func (c *Call) frameAlone(f *wire.Frame) *wire.Frame {
	if f != &c.shared {
		return f
	}
	if a := c.alone.Load(); a != nil {
		return &a.frame
	}
	a := new(aloneFrame)
	a.frame.Init(append(a.buf[:0], f.Bytes...))
	if !c.alone.CompareAndSwap(nil, a) {
		a = c.alone.Load() // another node made it first
	}
	return &a.frame
}

// inlineNodes is the largest call whose per-node state lives inside the Call: the common
// configurations of 1, 3 and 5 nodes.
const inlineNodes = 5

type sentTo struct {
	node     *NodeActor
	answered bool
	// held says what of the call a node holds for this index (heldRequest, heldEntry), so
	// that each is given back once.
	held atomic.Uint32
}

// NewCall returns the handle of a call to n nodes, with a fresh message ID from ids, that
// starts now. It never goes back to a pool.
func NewCall(ctx context.Context, ids *MsgIDs, kind Kind, n int) *Call {
	c := &Call{}
	c.setUp(ctx, ids, kind, n, time.Now())
	return c
}

// setUp makes c the handle of a new call that started at start.
func (c *Call) setUp(ctx context.Context, ids *MsgIDs, kind Kind, n int, start time.Time) {
	c.ctx, c.msgID, c.kind = ctx, ids.Next(), kind
	c.start = start
	c.ids = ids
	ids.calls.Add(1)
	c.refs.Store(1)
	c.owned.Store(true)
	var both []Response
	switch {
	case n <= inlineNodes:
		c.sent, both = c.sentArr[:n], c.respArr[:2*n]
	case n <= len(c.sentBig): // a pooled handle that served as large a call before
		c.sent, both = c.sentBig[:n], c.respBig[:2*n]
	default:
		c.sentBig, c.respBig = make([]sentTo, n), make([]Response, 2*n)
		c.sent, both = c.sentBig, c.respBig
	}
	c.inbox.init(both, kind == Stream)
}

// OwnFrame hands the call a request frame of its own making: if the frame is pooled
// (wire.Frame.Encode), the call calls its Done once no one holds the call any more, when every
// node has sent, refused or dropped it. Call it before the frame is enqueued.
func (c *Call) OwnFrame(f *wire.Frame) {
	if f.Pooled() {
		c.frames = append(c.frames, f)
	}
}

// SetDecoder makes the node receivers decode the call's replies with d.
func (c *Call) SetDecoder(d Decoder) { c.decode = d }

// MsgID returns the call's message ID.
func (c *Call) MsgID() uint64 { return c.msgID }

// Context returns the call's context.
func (c *Call) Context() context.Context { return c.ctx }

// Enqueue queues frame for node, the call's node number i. With wait it waits for room in the
// node's mailbox until the call's context ends; without, a full mailbox fails at once with
// ResourceExhausted. On error nothing was queued and no response will come for i.
func (c *Call) Enqueue(i int, node *NodeActor, frame *wire.Frame, wait bool) error {
	c.hold(int32(i), heldRequest) // before the node can see the request, and give it back
	err := node.enqueue(request{call: c, index: int32(i), frame: frame}, wait)
	if err != nil {
		c.release(int32(i), heldRequest)
	}
	switch {
	case err == nil:
		c.sent[i].node = node
		return nil
	case err == actor.ErrStopped:
		return node.closedError()
	case err == actor.ErrFull:
		return node.fullError()
	default:
		return err // the context's error
	}
}

// Fail records that node number i of the call failed before anything was queued for it (its
// request did not encode, its mailbox was full, ...): the collector sees err as the node's
// response, in order with the others.
func (c *Call) Fail(i int, nodeID uint32, err error) {
	c.inbox.put(Response{Index: int32(i), NodeID: nodeID, Err: err})
}

// Next waits for responses and returns those that arrived, oldest first; the slice is valid
// until the next call of Next. It returns the context's error once the context has ended and
// nothing more has arrived.
func (c *Call) Next() ([]Response, error) {
	for {
		if batch := c.take(); len(batch) > 0 {
			return batch, nil
		}
		done := c.ctx.Done()
		if done == nil { // a context that never ends
			<-c.inbox.wake
			continue
		}
		select {
		case <-c.inbox.wake:
		case <-done:
			if batch := c.take(); len(batch) > 0 {
				return batch, nil // what came in time still counts
			}
			return nil, c.ctx.Err()
		}
	}
}

func (c *Call) take() []Response {
	batch := c.inbox.take()
	for _, r := range batch {
		if c.kind != Stream || r.Err != nil {
			c.sent[r.Index].answered = true
		}
	}
	return batch
}

// Finish ends the call: later responses are dropped, and the requests of nodes that have not
// answered are forgotten, so that a reply that comes later, or never, costs nothing. It must
// be called exactly once, after the last Next. withResult says the call ends with a result (or
// with every node heard from): its requests still queued are then sent all the same.
func (c *Call) Finish(withResult bool) {
	c.ended()
	if withResult || c.ctx.Err() == nil {
		c.state.Store(callReturned)
	} else {
		c.state.Store(callAbandoned)
	}
	c.inbox.close()
	if c.kind == OneWay {
		return // one-way requests are never pending
	}
	for i := range c.sent {
		s := &c.sent[i]
		if s.node == nil || s.answered {
			continue
		}
		s.node.forgetLate(c, int32(i))
	}
}

// Returned ends a call that will not collect anything (a one-way call that does not wait for
// its messages to reach the streams): its queued requests are sent whatever its context does.
func (c *Call) Returned() {
	c.ended()
	c.state.Store(callReturned)
	c.inbox.close()
}

// ended stops counting the call as in progress, once.
func (c *Call) ended() {
	if c.ids != nil {
		c.ids.calls.Add(-1)
		c.ids = nil
	}
}

// Failures returns the failures reported so far (by Fail or by the nodes), for a call that does
// not collect.
func (c *Call) Failures() []Response {
	var out []Response
	for _, r := range c.inbox.take() {
		if r.Err != nil {
			out = append(out, r)
		}
	}
	return out
}

// withdrawn reports whether a request of the call is not to be sent: the call's context ended
// while the call was still waiting, or the call was abandoned.
func (c *Call) withdrawn() bool {
	switch c.state.Load() {
	case callReturned:
		return false
	case callAbandoned:
		return true
	}
	return c.ctx.Err() != nil
}

// deliver hands a node actor's response to the call; it never waits.
func (c *Call) deliver(r Response) { c.inbox.put(r) }

// MsgIDs gives out message IDs: one counter per manager, starting at 1. It also counts the
// manager's calls in progress, which tells a node whether batching can help (run_token.go).
type MsgIDs struct {
	last  atomic.Uint64
	calls atomic.Int64
}

// Next returns a new message ID.
func (m *MsgIDs) Next() uint64 { return m.last.Add(1) }

// InProgress reports how many calls are in progress.
func (m *MsgIDs) InProgress() int64 { return m.calls.Load() }
