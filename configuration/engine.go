package configuration

import (
	"context"
	"runtime/debug"
	"sync"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/manager"
)

// sendMode says what a call does when a node's mailbox is full.
type sendMode uint8

const (
	// failFull fails that node at once with ResourceExhausted and goes on with the others:
	// quorum calls, which a quorum of other nodes can answer, and one-way calls that do not
	// wait (WithNoSendWaiting).
	failFull sendMode = iota
	// waitForRoom waits for room until the context ends: ordered RPCs and one-way calls, whose
	// caller asked for the message to reach that node. Nodes with room get theirs first.
	waitForRoom
)

// request is what a call sends: the same for every call type.
type request[Req proto.Message] struct {
	method  string
	in      Req
	perNode func(Req, uint32) Req // nil: the same message to every node
	kind    callproto.Kind
	mode    sendMode
}

// call is one call of any type in flight: the call handle, the tally, and what the trace needs.
// The send prelude runs on the caller's goroutine (so calls issued one after another reach each
// node in that order); then one goroutine, the collector, owns it: the caller's for
// synchronous calls, a goroutine of its own for async and correctable calls.
type call[Req, Resp proto.Message, Out any] struct {
	cfg    Configuration
	method string
	h      *callproto.Call // released (and possibly reused) once collected: use msgID after
	msgID  uint64
	t      tally[Req, Resp, Out]
	start  time.Time
	log    *zap.Logger
	done   bool // decided before anything was collected (nothing to send)
	out    Out
	err    error
	// repliedWithStatus: the last failure the collector saw was a handler's status error
	// (which an ordered RPC returns as is), not a node's.
	repliedWithStatus bool
	// outcomes are the interceptors' outcome functions, told in reverse order at the end.
	outcomes []func(manager.CallOutcome)
	// queuedOnly: a one-way call that returned once its messages were queued.
	queuedOnly bool
	// returns says which error the call type returns for the collector's: so that the
	// interceptors' outcome functions are told that one.
	returns returnedErr
}

// returnedErr says which error a call type returns for the collector's error.
type returnedErr uint8

const (
	returnsCollected returnedErr = iota // as collected (quorum, async, correctable calls)
	returnsRPC                          // an ordered RPC's (rpcError)
	returnsNone                         // none: a one-way call
)

// returnedError is the error the call returns for err, the collector's, given the call's
// context (the interceptors' included).
func (c *call[Req, Resp, Out]) returnedError(ctx context.Context, err error) error {
	switch c.returns {
	case returnsRPC:
		return rpcError(ctx, c.cfg.actors[0].ID(), c.repliedWithStatus, err)
	case returnsNone:
		return nil
	}
	return err
}

// startCall encodes the request, puts it into each node actor's mailbox and returns the call,
// ready to collect. A node that cannot be sent to (its request does not encode, its mailbox is
// full, the manager closed) counts as that node's failure, reported through the call's inbox
// like any other, after the tally knows how many nodes were asked.
func startCall[Req, Resp proto.Message, Out any](ctx context.Context, cfg Configuration, r request[Req],
	qf func(Req, map[uint32]Resp) (Out, bool), lqf func(Req, map[uint32]Resp) (Out, int, bool),
) *call[Req, Resp, Out] {
	c := new(call[Req, Resp, Out])
	c.begin(ctx, cfg, r, qf, lqf)
	return c
}

// begin is startCall into c, a new call. A synchronous call keeps c on its caller's stack:
// nothing the nodes or other goroutines hold points into it.
func (c *call[Req, Resp, Out]) begin(ctx context.Context, cfg Configuration, r request[Req],
	qf func(Req, map[uint32]Resp) (Out, bool), lqf func(Req, map[uint32]Resp) (Out, int, bool),
) {
	c.cfg, c.method, c.start, c.log = cfg, r.method, time.Now(), cfg.logger()
	n := len(cfg.nodes)
	ctx, refused := c.intercept(ctx, r)
	c.h = callproto.AcquireCall(ctx, cfg.ids(), r.kind, n, c.start)
	c.msgID = c.h.MsgID()
	if r.kind != callproto.OneWay {
		c.h.SetDecoder(decodeAs[Resp])
	}
	if refused != nil {
		c.done, c.err = true, refused
		c.h.Finish(false)
		c.tellOutcome()
		return
	}
	frames, asked := c.frames(ctx, r)
	c.t.init(r.in, asked, n, r.kind == callproto.Stream, qf, lqf)
	if asked == 0 {
		c.done, c.err = true, incompleteError(0, 0, nil)
		if qf == nil && lqf == nil {
			c.err = nil
		}
		c.h.Finish(true)
		c.tellOutcome()
		return
	}
	var full []int
	for i, a := range cfg.actors {
		f := frames.frame(i)
		if f.err != nil {
			c.h.Fail(i, a.ID(), f.err)
			continue
		}
		if f.frame == nil {
			continue // perNode left the node out
		}
		wait := r.mode == waitForRoom && len(cfg.actors) == 1
		err := c.h.Enqueue(i, a, f.frame, wait)
		if err != nil && r.mode == waitForRoom && status.Code(err) == codes.ResourceExhausted {
			full = append(full, i)
			continue
		}
		if err != nil {
			c.h.Fail(i, a.ID(), err)
		}
	}
	if len(full) > 0 {
		c.enqueueWaiting(full, frames)
	}
	if ce := c.log.Check(zap.DebugLevel, "call sent"); ce != nil {
		ids := make([]uint32, 0, asked)
		for i, a := range cfg.actors {
			if frames.frame(i).frame != nil {
				ids = append(ids, a.ID())
			}
		}
		ce.Write(logfield.Method(r.method), logfield.MsgID(c.msgID), logfield.Nodes(ids))
	}
}

// enqueueWaiting queues the frames of the nodes whose mailbox was full, waiting for room in
// each concurrently, so that a node that does not keep up holds back only its own copy. It is
// the slow path: all its goroutines have ended when it returns.
func (c *call[Req, Resp, Out]) enqueueWaiting(idx []int, frames framesOf) {
	h, actors := c.h, c.cfg.actors // not c, which may live on its caller's stack
	var wg sync.WaitGroup
	for _, i := range idx {
		wg.Go(func() {
			a := actors[i]
			if err := h.Enqueue(i, a, frames.frame(i).frame, true); err != nil {
				h.Fail(i, a.ID(), err)
			}
		})
	}
	wg.Wait()
}

// collect is the collector: it takes the nodes' responses from the call's inbox and feeds the
// tally until the call is decided or its context ends, then finishes the call. onBetter, if
// set, is given each better result of a correctable call. A panicking quorum function fails
// the call with Internal.
func (c *call[Req, Resp, Out]) collect(onBetter func(Out, int)) (Out, error) {
	if c.done {
		c.h.Release()
		return c.out, c.err
	}
	c.out, c.err = c.loop(onBetter)
	ctx := c.h.Context()
	c.h.Finish(c.err == nil)
	c.h.Release()
	if c.err != nil {
		c.err = c.returnedError(ctx, c.err)
	}
	c.tellOutcome()
	if ce := c.log.Check(zap.DebugLevel, "call done"); ce != nil {
		// A one-way call has no quorum to reach: it succeeded if every message went out.
		ok := c.err == nil && (c.t.qf != nil || c.t.lqf != nil || len(c.t.errs) == 0)
		fields := []zap.Field{logfield.Method(c.method), logfield.MsgID(c.msgID), logfield.Quorum(ok),
			logfield.Replies(c.t.replyCount()), logfield.Errors(len(c.t.errs)), logfield.Latency(time.Since(c.start))}
		if c.err != nil {
			fields = append(fields, logfield.Error(c.err))
		}
		ce.Write(fields...)
	}
	return c.out, c.err
}

func (c *call[Req, Resp, Out]) loop(onBetter func(Out, int)) (out Out, err error) {
	defer func() {
		if p := recover(); p != nil {
			// The call keeps the best result it had (a correctable call's last level).
			out, err = c.t.out, status.Errorf(codes.Internal, "gorums: the quorum function of %s panicked: %v", c.method, p)
			c.log.Error("quorum function panicked", logfield.Method(c.method), logfield.MsgID(c.msgID),
				logfield.Panic(p), zap.ByteString("stack", debug.Stack()))
		}
	}()
	oneWay := c.t.qf == nil && c.t.lqf == nil
	for {
		batch, cerr := c.h.Next()
		if cerr != nil {
			return c.t.out, c.t.abort(cerr)
		}
		for _, r := range batch {
			var (
				resp           Resp
				better, done   bool
				rerr, decision error
			)
			if !oneWay || r.Err != nil {
				resp, rerr = decodeResponse[Resp](r)
			}
			c.trace(r.NodeID, rerr)
			if rerr != nil {
				c.repliedWithStatus = r.Status != nil
				done, decision = c.t.fail(r.Index, r.NodeID, rerr)
			} else {
				better, done, decision = c.t.reply(r.Index, r.NodeID, resp)
			}
			if done {
				return c.t.out, decision
			}
			if better && onBetter != nil {
				onBetter(c.t.out, c.t.level)
			}
		}
	}
}

// trace logs a node's reply, or its failure, at Debug.
func (c *call[Req, Resp, Out]) trace(nodeID uint32, err error) {
	if ce := c.log.Check(zap.DebugLevel, "response"); ce != nil {
		fields := []zap.Field{logfield.Method(c.method), logfield.MsgID(c.msgID), logfield.NodeID(nodeID), logfield.Latency(time.Since(c.start))}
		if err != nil {
			fields = append(fields, logfield.Error(err))
		}
		ce.Write(fields...)
	}
}

// decodeResponse turns a node's response into its reply or its error.
func decodeResponse[Resp proto.Message](r callproto.Response) (Resp, error) {
	var zero Resp
	if r.Err != nil {
		return zero, r.Err
	}
	if r.Status != nil {
		return zero, status.ErrorProto(r.Status)
	}
	return r.Reply.(Resp), nil
}

// decodeAs is the callproto.Decoder of calls whose replies are Resp messages.
func decodeAs[Resp proto.Message](payload []byte) (proto.Message, error) {
	resp := newMessage[Resp]()
	if err := proto.Unmarshal(payload, resp); err != nil {
		return nil, status.Errorf(codes.Internal, "reply does not parse as %T: %v", resp, err)
	}
	return resp, nil
}

// framesOf gives each node of a call its frame: one shared encoding of the request, or one per
// node when the call has per-node messages.
type framesOf struct {
	shared  frameOrErr
	perNode []frameOrErr // nil when shared
}

type frameOrErr struct {
	frame *wire.Frame // nil with a nil err: the node is left out
	err   error
}

func (f framesOf) frame(i int) frameOrErr {
	if f.perNode == nil {
		return f.shared
	}
	return f.perNode[i]
}

// frames encodes the request for every node and counts the nodes asked (all but those perNode
// leaves out). A message that does not encode is that node's failure.
func (c *call[Req, Resp, Out]) frames(ctx context.Context, r request[Req]) (framesOf, int) {
	nodes := c.cfg.actors
	if r.perNode == nil {
		// One encoding for every node; a small one in the call handle's own storage.
		small, buf := c.h.SharedFrame()
		f, err := wire.EncodeSmallInto(small, buf, c.msgID, r.method, nil, outgoingEntries(ctx), r.in)
		if err != nil {
			return framesOf{shared: frameOrErr{err: err}}, len(nodes)
		}
		c.h.OwnFrame(f)
		return framesOf{shared: frameOrErr{frame: f}}, len(nodes)
	}
	out := framesOf{perNode: make([]frameOrErr, len(nodes))}
	asked := 0
	defer func() {
		if p := recover(); p != nil {
			// The per-node function is user code. Its panic goes on to the caller, but the
			// call ends first: nothing was queued yet, and a call left open would count as
			// in flight for good (which node actors read to decide how to send).
			c.err = status.Errorf(codes.Internal, "gorums: the per-node function of %s panicked: %v", c.method, p)
			c.h.Finish(false)
			c.h.Release()
			c.tellOutcome()
			panic(p)
		}
	}()
	for i, a := range nodes {
		msg := r.perNode(r.in, a.ID())
		if isNil(msg) {
			continue
		}
		asked++
		f := new(wire.Frame)
		if err := encodeRequest(ctx, f, c.msgID, r.method, msg); err != nil {
			out.perNode[i] = frameOrErr{err: err}
			continue
		}
		c.h.OwnFrame(f)
		out.perNode[i] = frameOrErr{frame: f}
	}
	return out, asked
}

// isNil reports whether a message pointer is nil (a typed nil inside the interface included).
func isNil[M proto.Message](m M) bool {
	return any(m) == nil || !m.ProtoReflect().IsValid()
}

// returnAtOnce ends a one-way call that does not wait for its messages to reach the streams:
// what was queued is sent whatever the context does later, and the nodes whose message could
// not be queued are logged, each with its cause.
func (c *call[Req, Resp, Out]) returnAtOnce() {
	failures := c.h.Failures()
	c.h.Returned()
	c.h.Release()
	for _, r := range failures {
		c.t.fail(r.Index, r.NodeID, r.Err) // for the interceptors' outcome
		c.trace(r.NodeID, r.Err)
		if ce := c.log.Check(zap.WarnLevel, "one-way message dropped"); ce != nil {
			ce.Write(logfield.Method(c.method), logfield.MsgID(c.msgID), logfield.NodeID(r.NodeID), logfield.Error(r.Err))
		}
	}
	c.queuedOnly = true
	c.tellOutcome()
}

// intercept runs the manager's client interceptors before anything is sent: they may give the
// call a new context or refuse it.
func (c *call[Req, Resp, Out]) intercept(ctx context.Context, r request[Req]) (context.Context, error) {
	ics := c.cfg.interceptors()
	if len(ics) == 0 {
		return ctx, nil
	}
	info := manager.CallInfo{Method: r.method, NodeIDs: make([]uint32, len(c.cfg.actors)), Request: r.in}
	for i, a := range c.cfg.actors {
		info.NodeIDs[i] = a.ID()
	}
	for i, ic := range ics {
		next, outcome, err := callInterceptor(ic, ctx, info, i)
		if outcome != nil {
			c.outcomes = append(c.outcomes, outcome)
		}
		if err != nil {
			if ce := c.log.Check(zap.DebugLevel, "call refused by an interceptor"); ce != nil {
				ce.Write(logfield.Method(r.method), logfield.Error(err))
			}
			return ctx, err
		}
		if next != nil {
			ctx = next
		}
	}
	return ctx, nil
}

// tellOutcome gives the interceptors' outcome functions the call's outcome, last first.
func (c *call[Req, Resp, Out]) tellOutcome() {
	if len(c.outcomes) == 0 {
		return
	}
	o := manager.CallOutcome{Replies: c.t.replyCount(), Latency: time.Since(c.start), Err: c.err}
	if c.queuedOnly {
		o.Replies = c.t.expected - len(c.t.errs) // queued; the call does not wait to hear more
	}
	if len(c.t.errs) > 0 {
		o.Errors = make(map[uint32]error, len(c.t.errs))
		for _, ne := range c.t.errs {
			o.Errors[ne.NodeID] = ne.Cause
		}
	}
	for i := len(c.outcomes) - 1; i >= 0; i-- {
		c.tellOne(c.outcomes[i], o)
	}
}

// tellOne gives one outcome function the outcome. It is user code, run on the collector's
// goroutine (for async and correctable calls one of the call's own), so a panic in it is
// contained there, and logged, as a quorum function's is.
func (c *call[Req, Resp, Out]) tellOne(outcome func(manager.CallOutcome), o manager.CallOutcome) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("client interceptor's outcome function panicked", logfield.Method(c.method),
				logfield.Panic(p), zap.ByteString("stack", debug.Stack()))
		}
	}()
	outcome(o)
}

// callInterceptor runs interceptor i before a call. A panic in it refuses the call with
// Internal, as an error it returned would.
func callInterceptor(ic manager.ClientInterceptor, ctx context.Context, info manager.CallInfo, i int) (
	next context.Context, outcome func(manager.CallOutcome), err error,
) {
	defer func() {
		if p := recover(); p != nil {
			next, outcome = nil, nil
			err = status.Errorf(codes.Internal, "gorums: client interceptor %d of %s panicked: %v", i, info.Method, p)
		}
	}()
	return ic(ctx, info)
}
