package multipaxos

import "fmt"

// A ballot numbers one attempt of one proposer on one slot: round<<32 | proposer ID. Ballots
// of different proposers differ in their low half, and one proposer never uses a round twice
// (State.nextBallot), so no two attempts share a ballot, and ballots order by round first.
// Ballot 0 is no ballot: rounds start at 1.
type ballot uint64

func makeBallot(round uint64, id uint32) ballot { return ballot(round<<32 | uint64(id)) }

func (b ballot) round() uint64 { return uint64(b) >> 32 }

func (b ballot) proposer() uint32 { return uint32(b) }

func (b ballot) String() string {
	if b == 0 {
		return "none"
	}
	return fmt.Sprintf("%d.%d", b.round(), b.proposer())
}
