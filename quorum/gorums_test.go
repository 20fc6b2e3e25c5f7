package quorum_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/testservice"
	"github.com/quorumcall/gorums/quorum"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// qspec is a testservice QuorumSpec made of one stock quorum function.
type qspec func(replies map[uint32]*testservice.Response) (*testservice.Response, bool)

func (f qspec) QuorumQF(_ *testservice.Request, replies map[uint32]*testservice.Response) (*testservice.Response, bool) {
	return f(replies)
}

// TestWithGorums makes real quorum calls on three loopback servers, whose replies differ:
// server i replies with the request's Seq plus i and a value that servers 0 and 2 share.
func TestWithGorums(t *testing.T) {
	values := []string{"agreed", "odd", "agreed"}
	_, addrs := testservice.StartN(t, 3, func(i int) testservice.TestService {
		return testservice.Both(func(_ gorums.ServerCtx, req *testservice.Request) (*testservice.Response, error) {
			return &testservice.Response{Seq: req.GetSeq() + uint64(i), Value: values[i]}, nil
		})
	})
	mgr := testservice.NewTestManager(t)
	seq := (*testservice.Response).GetSeq
	value := (*testservice.Response).GetValue
	tests := []struct {
		name      string
		qf        qspec
		wantSeq   uint64 // 0: any of the servers' replies
		wantValue string // "": any
		wantErr   error
	}{
		{"newest of all", func(r map[uint32]*testservice.Response) (*testservice.Response, bool) {
			return quorum.Newest(r, quorum.All(3), seq)
		}, 102, "agreed", nil},
		{"two matching", func(r map[uint32]*testservice.Response) (*testservice.Response, bool) {
			return quorum.Matching(r, quorum.Threshold(2), value)
		}, 0, "agreed", nil},
		{"three matching never", func(r map[uint32]*testservice.Response) (*testservice.Response, bool) {
			return quorum.Matching(r, quorum.All(3), value)
		}, 0, "", gorums.ErrIncomplete},
		{"most frequent of all", func(r map[uint32]*testservice.Response) (*testservice.Response, bool) {
			return quorum.MostFrequent(r, quorum.All(3), value)
		}, 0, "agreed", nil},
		{"any of a majority", func(r map[uint32]*testservice.Response) (*testservice.Response, bool) {
			return quorum.Any(r, quorum.Majority(3))
		}, 0, "", nil},
		{"first", func(r map[uint32]*testservice.Response) (*testservice.Response, bool) {
			return quorum.Any(r, quorum.First)
		}, 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := mgr.NewConfiguration(tt.qf, gorums.WithNodeList(addrs))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			reply, err := cfg.Quorum(ctx, &testservice.Request{Seq: 100})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := reply.GetSeq(); s < 100 || s > 102 || (tt.wantSeq != 0 && s != tt.wantSeq) {
				t.Errorf("seq %d, want %d (0: any from 100 to 102)", s, tt.wantSeq)
			}
			if tt.wantValue != "" && reply.GetValue() != tt.wantValue {
				t.Errorf("value %q, want %q", reply.GetValue(), tt.wantValue)
			}
		})
	}
}
