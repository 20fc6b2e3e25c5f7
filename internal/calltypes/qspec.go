package calltypes

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/protobuf/types/known/emptypb"
)

// QSpec is the tests' QuorumSpec. A quorum call is done when it has Quorum replies, where
// Quorum is the request's Quorum field if set and Q otherwise. A correctable call's level is
// its number of replies; a correctable stream's level is the sum of the Part numbers of each
// node's newest reply, so a stream of p parts from each of n nodes reaches level n*p.
//
// The results summarise the replies: Response.Result (MyResponse.Value) is Summary of the
// replies, Response.Seq the request's, Response.Part (MyResponse.Count) the number of replies
// (for streams, the level).
type QSpec struct {
	Q int
}

var _ QuorumSpec = QSpec{}

func (q QSpec) quorum(in *Request) int {
	if in.GetQuorum() > 0 {
		return int(in.GetQuorum())
	}
	return q.Q
}

// Summary lists the replies as "id=result" sorted by node ID, comma-separated. A reply that
// does not echo the request's sequence number or does not come from the node it is filed
// under shows as "id=BAD".
func Summary(in *Request, replies map[uint32]*Response) string {
	ids := make([]uint32, 0, len(replies))
	for id := range replies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		r := replies[id]
		if r.GetSeq() != in.GetSeq() || r.GetNode() != id {
			parts[i] = fmt.Sprintf("%d=BAD", id)
			continue
		}
		parts[i] = fmt.Sprintf("%d=%s", id, r.GetResult())
	}
	return strings.Join(parts, ",")
}

func (q QSpec) result(in *Request, replies map[uint32]*Response) (*Response, bool) {
	if len(replies) < q.quorum(in) {
		return nil, false
	}
	return &Response{Result: Summary(in, replies), Seq: in.GetSeq(), Part: uint32(len(replies))}, true
}

func (q QSpec) custom(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	if len(replies) < q.quorum(in) {
		return nil, false
	}
	return &MyResponse{Value: Summary(in, replies), Count: int64(len(replies))}, true
}

func (q QSpec) level(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	n := len(replies)
	return &Response{Result: Summary(in, replies), Seq: in.GetSeq(), Part: uint32(n)}, n, n >= q.quorum(in)
}

func streamLevel(replies map[uint32]*Response) int {
	level := 0
	for _, r := range replies {
		level += int(r.GetPart())
	}
	return level
}

func (q QSpec) streamResult(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	l := streamLevel(replies)
	return &Response{Result: Summary(in, replies), Seq: in.GetSeq(), Part: uint32(l)}, l, l >= q.quorum(in)
}

// QuorumCallQF implements QuorumSpec.
func (q QSpec) QuorumCallQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return q.result(in, replies)
}

// QuorumCallPerNodeQF implements QuorumSpec.
func (q QSpec) QuorumCallPerNodeQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return q.result(in, replies)
}

// QuorumCallCustomReturnQF implements QuorumSpec.
func (q QSpec) QuorumCallCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	return q.custom(in, replies)
}

// QuorumCallComboQF implements QuorumSpec.
func (q QSpec) QuorumCallComboQF(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	return q.custom(in, replies)
}

// QuorumCallEmptyInQF implements QuorumSpec; it waits for Q replies.
func (q QSpec) QuorumCallEmptyInQF(_ *emptypb.Empty, replies map[uint32]*Response) (*Response, bool) {
	return q.result(&Request{}, replies)
}

// QuorumCallEmptyOutQF implements QuorumSpec.
func (q QSpec) QuorumCallEmptyOutQF(in *Request, replies map[uint32]*emptypb.Empty) (*emptypb.Empty, bool) {
	return &emptypb.Empty{}, len(replies) >= q.quorum(in)
}

// QuorumCallAsyncQF implements QuorumSpec.
func (q QSpec) QuorumCallAsyncQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return q.result(in, replies)
}

// QuorumCallAsyncPerNodeQF implements QuorumSpec.
func (q QSpec) QuorumCallAsyncPerNodeQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return q.result(in, replies)
}

// QuorumCallAsyncCustomReturnQF implements QuorumSpec.
func (q QSpec) QuorumCallAsyncCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	return q.custom(in, replies)
}

// QuorumCallAsyncEmptyQF implements QuorumSpec.
func (q QSpec) QuorumCallAsyncEmptyQF(in *Request, replies map[uint32]*emptypb.Empty) (*emptypb.Empty, bool) {
	return &emptypb.Empty{}, len(replies) >= q.quorum(in)
}

// CorrectableQF implements QuorumSpec.
func (q QSpec) CorrectableQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return q.level(in, replies)
}

// CorrectablePerNodeQF implements QuorumSpec.
func (q QSpec) CorrectablePerNodeQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return q.level(in, replies)
}

// CorrectableCustomReturnQF implements QuorumSpec.
func (q QSpec) CorrectableCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, int, bool) {
	n := len(replies)
	return &MyResponse{Value: Summary(in, replies), Count: int64(n)}, n, n >= q.quorum(in)
}

// CorrectableStreamQF implements QuorumSpec.
func (q QSpec) CorrectableStreamQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return q.streamResult(in, replies)
}

// CorrectableStreamPerNodeQF implements QuorumSpec.
func (q QSpec) CorrectableStreamPerNodeQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return q.streamResult(in, replies)
}

// CorrectableStreamCustomReturnQF implements QuorumSpec.
func (q QSpec) CorrectableStreamCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, int, bool) {
	l := streamLevel(replies)
	return &MyResponse{Value: Summary(in, replies), Count: int64(l)}, l, l >= q.quorum(in)
}
