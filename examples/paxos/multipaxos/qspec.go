package multipaxos

import (
	pb "github.com/quorumcall/gorums/examples/paxos/proto"
	"github.com/quorumcall/gorums/quorum"
)

// QSpec holds the quorum functions of a group of n replicas, whose quorums are majorities.
// Each phase ends as soon as a quorum has answered yes, or at the first no: a refusal means
// that another proposer holds a higher ballot, which would most likely beat this one in the
// next phase anyway, so the proposer backs off and tries again above it instead of waiting
// for replicas that may be down or hung (a yes from every live replica but one refusal would
// otherwise wait for the dead ones). A quorum of yes is all safety needs; when to give up is
// liveness only. QSpec keeps no state: its functions may run on many calls at once.
type QSpec struct {
	q quorum.Rule
}

var _ pb.QuorumSpec = QSpec{}

// NewQSpec returns the quorum functions for n replicas: a majority, n/2+1.
func NewQSpec(n int) QSpec { return QSpec{q: quorum.Majority(n)} }

// PrepareQF decides phase 1: a quorum of promises is OK, with the highest accepted value
// among them; a replica that knows the slot decided ends the phase with the decision; a
// refusal fails it, with the highest ballot promised.
func (qs QSpec) PrepareQF(_ *pb.PrepareRequest, replies map[uint32]*pb.Promise) (*pb.Promise, bool) {
	result := &pb.Promise{}
	oks, refusals := 0, 0
	for _, p := range replies {
		switch {
		case p.GetDecided():
			return p, true
		case p.GetOK():
			oks++
			// Ballots are unique, and an acceptor accepts one value per ballot: replies with
			// the same ballot hold the same value, so the map's order does not matter.
			if p.GetAcceptedBallot() > result.AcceptedBallot {
				result.AcceptedBallot, result.AcceptedValue = p.GetAcceptedBallot(), p.GetAcceptedValue()
			}
		default:
			refusals++
			result.Promised = max(result.Promised, p.GetPromised())
		}
	}
	switch {
	case qs.q.Reached(oks):
		result.OK = true
		return result, true
	case refusals > 0:
		return result, true
	}
	return nil, false
}

// AcceptQF decides phase 2: a quorum of acceptances decides the value; a refusal fails it,
// with the highest ballot promised.
func (qs QSpec) AcceptQF(_ *pb.AcceptRequest, replies map[uint32]*pb.Accepted) (*pb.Accepted, bool) {
	result := &pb.Accepted{}
	oks, refusals := 0, 0
	for _, a := range replies {
		if a.GetOK() {
			oks++
			continue
		}
		refusals++
		result.Promised = max(result.Promised, a.GetPromised())
	}
	switch {
	case qs.q.Reached(oks):
		result.OK = true
		return result, true
	case refusals > 0:
		return result, true
	}
	return nil, false
}
