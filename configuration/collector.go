package configuration

import (
	"cmp"
	"context"
	"slices"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/manager"
)

// call is one call in flight: the request as sent, the nodes it went to, and the collector's
// mailbox, in which node actors deliver the responses. The collector is whichever goroutine
// drains that mailbox: the caller's for a synchronous call, a goroutine of its own for async
// and correctable calls. Only that goroutine touches the call after send returns.
type call struct {
	ctx     context.Context
	cfg     Configuration
	method  string
	msgID   uint64
	start   time.Time
	log     *zap.Logger
	replies chan manager.Response // room for one response per node (more for streams)
	done    chan struct{}         // closed by finish: node actors then neither send nor deliver
	// state says, for each node of cfg (by position), whether the call's request went to it
	// and whether its response came; finish forgets the requests that got none.
	state []nodeState
	sent  int // nodes the request went to
}

type nodeState uint8

const (
	notSent nodeState = iota
	sent
	answered
)

// unanswerAll makes finish forget the request of every node it went to: a stream's nodes may
// send more replies after their first.
func (c *call) unanswerAll() {
	for i, st := range c.state {
		if st == answered {
			c.state[i] = sent
		}
	}
}

// markAnswered records that node id's response came. Nodes are sorted by ID, so a binary
// search finds it without a map per call.
func (c *call) markAnswered(id uint32) {
	if i, ok := slices.BinarySearchFunc(c.cfg.nodes, id, func(n *manager.Node, id uint32) int { return cmp.Compare(n.ID(), id) }); ok {
		c.state[i] = answered
	}
}

func newCall(ctx context.Context, cfg Configuration, method string, mailboxSize int) *call {
	c := &call{}
	c.init(ctx, cfg, method, mailboxSize)
	return c
}

func (c *call) init(ctx context.Context, cfg Configuration, method string, mailboxSize int) {
	*c = call{
		ctx:     ctx,
		cfg:     cfg,
		method:  method,
		msgID:   cfg.mgr.NextMsgID(),
		start:   time.Now(),
		log:     cfg.mgr.Logger(),
		replies: make(chan manager.Response, mailboxSize),
		done:    make(chan struct{}),
		state:   make([]nodeState, len(cfg.nodes)),
	}
}

// send gives each node its frame. frameFor returns nil, nil to skip a node; an error from it,
// or from the node's mailbox, is that node's failure, reported to fail.
func (c *call) send(frameFor func(n *manager.Node) (*wire.Frame, error), fail func(id uint32, err error)) {
	c.sendWith(frameFor, false, fail)
}

// sendWith is send for calls that may get many replies per node (stream).
func (c *call) sendWith(frameFor func(n *manager.Node) (*wire.Frame, error), stream bool, fail func(id uint32, err error)) {
	for i, n := range c.cfg.nodes {
		f, err := frameFor(n)
		if err == nil && f == nil {
			continue
		}
		if err == nil {
			err = manager.TryEnqueue(n, manager.Request{Ctx: c.ctx, MsgID: c.msgID, Frame: f, Reply: c.replies, Stream: stream, Done: c.done})
		}
		if err != nil {
			c.state[i] = answered // its failure is its answer
			c.logResponse(n.ID(), err)
			fail(n.ID(), err)
			continue
		}
		c.state[i] = sent
		c.sent++
	}
	if ce := c.log.Check(zap.DebugLevel, "call sent"); ce != nil {
		ids := make([]uint32, 0, c.sent)
		for i, n := range c.cfg.nodes {
			if c.state[i] == sent {
				ids = append(ids, n.ID())
			}
		}
		ce.Write(logfield.Method(c.method), logfield.MsgID(c.msgID), logfield.Nodes(ids))
	}
}

// receive records r's node as answered and decodes r into the node's reply or its error.
func receive[Resp proto.Message](c *call, r manager.Response) (Resp, error) {
	c.markAnswered(r.NodeID)
	resp, err := decodeResponse[Resp](r)
	c.logResponse(r.NodeID, err)
	return resp, err
}

// logResponse traces a node's reply, or its failure (including a failure to queue the request).
func (c *call) logResponse(nodeID uint32, err error) {
	if ce := c.log.Check(zap.DebugLevel, "response"); ce != nil {
		fields := []zap.Field{logfield.Method(c.method), logfield.MsgID(c.msgID), logfield.NodeID(nodeID), logfield.Latency(time.Since(c.start))}
		if err != nil {
			fields = append(fields, logfield.Error(err))
		}
		ce.Write(fields...)
	}
}

// decodeResponse turns a node's response into its reply or its error.
func decodeResponse[Resp proto.Message](r manager.Response) (Resp, error) {
	var zero Resp
	if r.Err != nil {
		return zero, r.Err
	}
	if r.Status != nil {
		return zero, status.ErrorProto(r.Status)
	}
	resp := newMessage[Resp]()
	if err := proto.Unmarshal(r.Payload, resp); err != nil {
		return zero, status.Errorf(codes.Internal, "node %d: reply does not parse as %T: %v", r.NodeID, resp, err)
	}
	return resp, nil
}

// finish forgets the requests of nodes that did not answer and logs the outcome.
func (c *call) finish(replies, errs int, err error) {
	// A call that has a result (or has heard from everyone) closes done, so its requests
	// still queued for slower nodes are sent even if the caller cancels its context right
	// after: the usual defer cancel() must not keep a write from a replica. A call that ended
	// because its context did leaves done open, and its queued requests are withdrawn. Either
	// way this happens before the Forget below, which the node actor relies on.
	if err == nil || c.ctx.Err() == nil {
		close(c.done)
	}
	for i, n := range c.cfg.nodes {
		if c.state[i] == sent {
			manager.Forget(n, c.msgID)
		}
	}
	if ce := c.log.Check(zap.DebugLevel, "call done"); ce != nil {
		fields := []zap.Field{logfield.Method(c.method), logfield.MsgID(c.msgID), logfield.Quorum(err == nil),
			logfield.Replies(replies), logfield.Errors(errs), logfield.Latency(time.Since(c.start))}
		if err != nil {
			fields = append(fields, logfield.Error(err))
		}
		ce.Write(fields...)
	}
}
