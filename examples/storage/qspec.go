package main

import storage "github.com/quorumcall/gorums/examples/storage/proto"

// QSpec is the example's storage.QuorumSpec: a quorum call succeeds once a majority of the
// configuration's nodes have replied.
type QSpec struct {
	quorumSize int
}

// newQSpec returns the majority quorum specification for a configuration of n nodes.
func newQSpec(n int) *QSpec { return &QSpec{quorumSize: n/2 + 1} }

// ReadQCQF is the quorum function of ReadQC: with a quorum of replies it returns the state
// with the newest timestamp.
func (qs *QSpec) ReadQCQF(_ *storage.ReadRequest, replies map[uint32]*storage.State) (*storage.State, bool) {
	if len(replies) < qs.quorumSize {
		return nil, false
	}
	newest := &storage.State{}
	for _, s := range replies {
		if s.GetTimestamp() >= newest.GetTimestamp() {
			newest = s
		}
	}
	return newest, true
}

// WriteQCQF is the quorum function of WriteQC: with a quorum of replies it reports the write
// as new if every node of the quorum stored it as new.
func (qs *QSpec) WriteQCQF(_ *storage.State, replies map[uint32]*storage.WriteResponse) (*storage.WriteResponse, bool) {
	if len(replies) < qs.quorumSize {
		return nil, false
	}
	for _, r := range replies {
		if !r.GetNew() {
			return &storage.WriteResponse{New: false}, true
		}
	}
	return &storage.WriteResponse{New: true}, true
}
