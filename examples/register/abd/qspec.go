package abd

import (
	"github.com/quorumcall/gorums/examples/register/proto"
)

// QSpec is the register's QuorumSpec: both quorum calls wait for Quorum replies.
type QSpec struct {
	// Quorum is the number of replies a quorum call waits for.
	Quorum int
}

var _ proto.QuorumSpec = (*QSpec)(nil)

// NewMajorityQSpec returns the QuorumSpec of a configuration of n replicas: a quorum is a
// majority, n/2+1, so that any two quorums share a replica and up to (n-1)/2 replicas may
// crash.
func NewMajorityQSpec(n int) *QSpec {
	return &QSpec{Quorum: n/2 + 1}
}

// ReadQF returns the value with the greatest tag once Quorum replicas have answered.
func (qs *QSpec) ReadQF(_ *proto.ReadRequest, replies map[uint32]*proto.Value) (*proto.Value, bool) {
	if len(replies) < qs.Quorum {
		return nil, false
	}
	var max *proto.Value
	for _, v := range replies {
		if max == nil || Less(max, v) {
			max = v
		}
	}
	return max, true
}

// WriteQF acknowledges the write once Quorum replicas have answered; New is true if any of
// them stored the value.
func (qs *QSpec) WriteQF(_ *proto.Value, replies map[uint32]*proto.WriteAck) (*proto.WriteAck, bool) {
	if len(replies) < qs.Quorum {
		return nil, false
	}
	ack := &proto.WriteAck{}
	for _, r := range replies {
		ack.New = ack.New || r.GetNew()
	}
	return ack, true
}
