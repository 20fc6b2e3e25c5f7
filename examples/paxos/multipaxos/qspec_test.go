package multipaxos

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/quorumcall/gorums/examples/paxos/proto"
)

func TestPrepareQF(t *testing.T) {
	ok := func(accepted uint64, value string) *pb.Promise {
		return &pb.Promise{OK: true, AcceptedBallot: accepted, AcceptedValue: value}
	}
	no := func(promised uint64) *pb.Promise { return &pb.Promise{Promised: promised} }
	decided := &pb.Promise{Decided: true, DecidedValue: "d"}
	for _, tc := range []struct {
		name    string
		replies map[uint32]*pb.Promise
		want    *pb.Promise // nil: wait for more
	}{
		{"one of five promised", map[uint32]*pb.Promise{1: ok(0, "")}, nil},
		{"a quorum of promises, nothing accepted", map[uint32]*pb.Promise{1: ok(0, ""), 2: ok(0, ""), 3: ok(0, "")},
			&pb.Promise{OK: true}},
		{"the highest accepted value", map[uint32]*pb.Promise{1: ok(5, "old"), 2: ok(9, "new"), 3: ok(0, "")},
			&pb.Promise{OK: true, AcceptedBallot: 9, AcceptedValue: "new"}},
		{"a refusal ends the phase", map[uint32]*pb.Promise{1: ok(0, ""), 2: no(8)}, &pb.Promise{Promised: 8}},
		{"with the highest promise", map[uint32]*pb.Promise{1: no(7), 2: no(8), 4: no(3)}, &pb.Promise{Promised: 8}},
		{"a quorum despite refusals", map[uint32]*pb.Promise{1: no(7), 2: ok(0, ""), 3: ok(0, ""), 4: ok(2, "x")},
			&pb.Promise{OK: true, Promised: 7, AcceptedBallot: 2, AcceptedValue: "x"}},
		{"a decision ends the phase", map[uint32]*pb.Promise{1: no(7), 2: decided}, decided},
	} {
		got, done := NewQSpec(5).PrepareQF(&pb.PrepareRequest{}, tc.replies)
		if done != (tc.want != nil) || (tc.want != nil && !proto.Equal(got, tc.want)) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, done, tc.want)
		}
	}
}

func TestAcceptQF(t *testing.T) {
	ok, no := &pb.Accepted{OK: true}, func(p uint64) *pb.Accepted { return &pb.Accepted{Promised: p} }
	for _, tc := range []struct {
		name    string
		n       int
		replies map[uint32]*pb.Accepted
		want    *pb.Accepted
	}{
		{"one of three", 3, map[uint32]*pb.Accepted{1: ok}, nil},
		{"two of three", 3, map[uint32]*pb.Accepted{1: ok, 2: ok}, &pb.Accepted{OK: true}},
		{"a refusal ends the phase", 3, map[uint32]*pb.Accepted{1: ok, 2: no(4)}, &pb.Accepted{Promised: 4}},
		{"with the highest promise", 3, map[uint32]*pb.Accepted{1: no(6), 2: no(4)}, &pb.Accepted{Promised: 6}},
		{"a quorum of four is three", 4, map[uint32]*pb.Accepted{1: ok, 2: ok}, nil},
		{"three of four", 4, map[uint32]*pb.Accepted{1: ok, 2: ok, 3: ok}, &pb.Accepted{OK: true}},
	} {
		got, done := NewQSpec(tc.n).AcceptQF(&pb.AcceptRequest{}, tc.replies)
		if done != (tc.want != nil) || (tc.want != nil && !proto.Equal(got, tc.want)) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, done, tc.want)
		}
	}
}
