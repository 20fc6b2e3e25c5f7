package multipaxos

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	pb "github.com/quorumcall/gorums/examples/paxos/proto"
)

// Replica serves the Paxos service on one replica of a group: it is the acceptor and learner
// of its State, and the proposer of the values its clients propose, which it decides with
// quorum calls on the configuration of every replica, itself included.
type Replica struct {
	id    uint32
	cfg   *pb.Configuration
	state *State
	opts  options
}

var _ pb.Paxos = (*Replica)(nil)

// NewReplica returns the Paxos replica id with the given state, calling the group on cfg
// (whose quorum functions must be a QSpec of its size). Register it on the replica's server
// with pb.RegisterPaxosServer, or use Register.
func NewReplica(id uint32, cfg *pb.Configuration, state *State, opts ...Option) *Replica {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	return &Replica{id: id, cfg: cfg, state: state, opts: o}
}

// Register serves Paxos on r with state: its handlers call the group on r's configuration.
//
//	r, err := gorums.NewReplica(id, members, ...)
//	multipaxos.Register(r, multipaxos.NewState())
//	err = r.Start()
func Register(r *gorums.Replica, state *State, opts ...Option) *Replica {
	cfg := pb.ConfigurationFromRaw(r.Configuration(), NewQSpec(r.Configuration().Size()))
	p := NewReplica(r.ID(), cfg, state, opts...)
	pb.RegisterPaxosServer(r.Server(), p)
	return p
}

// State returns the replica's state.
func (r *Replica) State() *State { return r.state }

// Propose decides the request's value in the first slot it can win and returns that slot.
// Values are commands and should be unique (a client ID and sequence number, say): a value
// that some proposer already decided in a slot counts as decided there.
func (r *Replica) Propose(ctx gorums.ServerCtx, req *pb.ProposeRequest) (*pb.ProposeReply, error) {
	// Deciding takes two rounds of quorum calls, or more against other proposers: let this
	// client's next requests start meanwhile.
	ctx.Release()
	pctx, cancel := context.WithTimeout(ctx, r.opts.proposeTimeout)
	defer cancel()
	slot := r.state.firstUndecided(1)
	for {
		v, err := r.decide(pctx, slot, req.GetValue())
		if err != nil {
			return nil, err
		}
		if v == req.GetValue() {
			return &pb.ProposeReply{Slot: slot}, nil
		}
		slot = r.state.firstUndecided(slot + 1) // another proposer's value took the slot
	}
}

// decide runs the slot's Paxos instance until some value is decided there, proposing value
// if no other may be, and returns the decided value.
func (r *Replica) decide(ctx context.Context, slot uint64, value string) (string, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		if v, ok := r.state.decision(slot); ok {
			return v, nil
		}
		if attempt > 0 {
			if err := r.backoff(ctx, attempt); err != nil {
				return "", noDecision(slot, err, lastErr)
			}
		}
		b := r.state.nextBallot(r.id)
		p, err := r.cfg.Prepare(ctx, &pb.PrepareRequest{Slot: slot, Ballot: uint64(b)})
		switch {
		case err != nil: // too few replicas answered
			lastErr = err
			continue
		case p.GetDecided():
			r.state.learn(slot, p.GetDecidedValue())
			return p.GetDecidedValue(), nil
		case !p.GetOK(): // a higher ballot was promised
			r.state.saw(ballot(p.GetPromised()))
			continue
		}
		// A value that a quorum may have chosen with a lower ballot must be proposed again:
		// the one accepted with the highest ballot in the promising quorum.
		v := value
		if p.GetAcceptedBallot() != 0 {
			v = p.GetAcceptedValue()
		}
		a, err := r.cfg.Accept(ctx, &pb.AcceptRequest{Slot: slot, Ballot: uint64(b), Value: v})
		switch {
		case err != nil:
			lastErr = err
			continue
		case !a.GetOK():
			r.state.saw(ballot(a.GetPromised()))
			continue
		}
		r.state.learn(slot, v)
		// Sent once queued, even though ctx ends when Propose returns; a replica that misses
		// it learns the decision when a proposer prepares the slot there.
		r.cfg.Learn(ctx, &pb.Decision{Slot: slot, Value: v}, gorums.WithNoSendWaiting())
		return v, nil
	}
}

// backoff waits a random time, up to twice as long as the attempt before and at most
// maxBackoff, or until ctx ends.
func (r *Replica) backoff(ctx context.Context, attempt int) error {
	limit := min(time.Millisecond<<min(attempt, 20), r.opts.maxBackoff)
	t := time.NewTimer(rand.N(limit) + 1)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// noDecision is the error of a proposal whose time ran out.
func noDecision(slot uint64, ctxErr, lastErr error) error {
	if lastErr != nil && errors.Is(ctxErr, context.DeadlineExceeded) {
		return status.Errorf(codes.Unavailable, "slot %d: no quorum of replicas before the deadline: %v", slot, lastErr)
	}
	return status.FromContextError(ctxErr).Err()
}

// Prepare is the acceptor's phase 1.
func (r *Replica) Prepare(_ gorums.ServerCtx, req *pb.PrepareRequest) (*pb.Promise, error) {
	if req.GetSlot() == 0 || req.GetBallot() == 0 {
		return nil, status.Error(codes.InvalidArgument, "slots and ballots start at 1")
	}
	return r.state.prepare(req.GetSlot(), ballot(req.GetBallot())), nil
}

// Accept is the acceptor's phase 2.
func (r *Replica) Accept(_ gorums.ServerCtx, req *pb.AcceptRequest) (*pb.Accepted, error) {
	if req.GetSlot() == 0 || req.GetBallot() == 0 {
		return nil, status.Error(codes.InvalidArgument, "slots and ballots start at 1")
	}
	return r.state.accept(req.GetSlot(), ballot(req.GetBallot()), req.GetValue()), nil
}

// Learn records a decision.
func (r *Replica) Learn(_ gorums.ServerCtx, d *pb.Decision) {
	if d.GetSlot() != 0 {
		r.state.learn(d.GetSlot(), d.GetValue())
	}
}

// Log returns the decided slots the replica knows.
func (r *Replica) Log(_ gorums.ServerCtx, _ *pb.LogRequest) (*pb.LogReply, error) {
	return &pb.LogReply{Decided: r.state.Log()}, nil
}
