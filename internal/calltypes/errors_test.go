package calltypes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
)

// refusal is the error server id's handler returns.
func refusal(id uint32) error {
	return status.Errorf(codes.FailedPrecondition, "server %d refuses", id)
}

// checkNodeErrors checks that err is an incomplete-call QuorumCallError with replies
// successful replies and exactly one refusal from each node in failing.
func checkNodeErrors(t *testing.T, err error, replies int, failing []uint32) {
	t.Helper()
	if !errors.Is(err, gorums.ErrIncomplete) {
		t.Fatalf("err = %v, want an incomplete-call error", err)
	}
	var qcErr gorums.QuorumCallError
	if !errors.As(err, &qcErr) {
		t.Fatalf("err = %T %v, want a QuorumCallError", err, err)
	}
	if qcErr.ReplyCount != replies {
		t.Errorf("ReplyCount = %d, want %d", qcErr.ReplyCount, replies)
	}
	var got []uint32
	for _, ne := range qcErr.Errors {
		got = append(got, ne.NodeID)
		st, ok := status.FromError(ne.Cause)
		if !ok || st.Code() != codes.FailedPrecondition || st.Message() != fmt.Sprintf("server %d refuses", ne.NodeID) {
			t.Errorf("node %d: cause %v, want its handler's FailedPrecondition status", ne.NodeID, ne.Cause)
		}
		if !errors.Is(err, ne) {
			t.Errorf("errors.Is does not find node %d's error in the call's error", ne.NodeID)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, failing) {
		t.Errorf("node errors from %v, want %v", got, failing)
	}
	for _, id := range failing {
		if !strings.Contains(err.Error(), fmt.Sprintf("server %d refuses", id)) {
			t.Errorf("error text %q does not name node %d's refusal", err, id)
		}
	}
}

// TestHandlerErrorsPerNode: the servers with an even index (ID 1, 3, ...) fail every request
// with a status error naming themselves. Each call type must report each failing node's own
// error: ordered RPCs return it as is; quorum, async and correctable calls (which need every
// node) end with an incomplete-call QuorumCallError listing exactly the failing nodes.
// Correctable streams, which end only when the quorum function is satisfied or every node has
// failed, are tested with every server failing.
func TestHandlerErrorsPerNode(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		fails := func(i int) bool { return i%2 == 0 }
		var failing []uint32
		for i := range n {
			if fails(i) {
				failing = append(failing, uint32(i+1))
			}
		}
		ok := n - len(failing)
		c := newCluster(t, n, setup{behavior: func(i int) Behavior {
			if !fails(i) {
				return Behavior{}
			}
			return Behavior{Before: func(context.Context, string, *Request) error { return refusal(uint32(i + 1)) }}
		}})
		ctx := testCtx(t)
		req := &Request{Value: "e", Seq: 1}

		t.Run("OrderedRPC", func(t *testing.T) {
			for i, node := range c.nodes {
				resp, err := node.OrderedRPC(ctx, req)
				if fails(i) {
					if st, _ := status.FromError(err); st.Code() != codes.FailedPrecondition || st.Message() != fmt.Sprintf("server %d refuses", i+1) {
						t.Errorf("node %d: err %v, want its refusal", i+1, err)
					}
					continue
				}
				if err != nil || resp.GetNode() != uint32(i+1) {
					t.Errorf("node %d: %v, %v", i+1, resp, err)
				}
			}
		})
		t.Run("QuorumCall", func(t *testing.T) {
			_, err := c.cfg.QuorumCall(ctx, req)
			checkNodeErrors(t, err, ok, failing)
		})
		t.Run("QuorumCallCustomReturn", func(t *testing.T) {
			_, err := c.cfg.QuorumCallCustomReturn(ctx, req)
			checkNodeErrors(t, err, ok, failing)
		})
		t.Run("QuorumCallEmptyOut", func(t *testing.T) {
			_, err := c.cfg.QuorumCallEmptyOut(ctx, req)
			checkNodeErrors(t, err, ok, failing)
		})
		t.Run("QuorumCallAsync", func(t *testing.T) {
			_, err := c.cfg.QuorumCallAsync(ctx, req).Get()
			checkNodeErrors(t, err, ok, failing)
		})
		t.Run("QuorumCallAsyncPerNode", func(t *testing.T) {
			_, err := c.cfg.QuorumCallAsyncPerNode(ctx, req, perNodeValue).Get()
			checkNodeErrors(t, err, ok, failing)
		})
		t.Run("Correctable", func(t *testing.T) {
			corr := c.cfg.Correctable(ctx, req)
			waitClosed(t, corr.Done(), "Done")
			resp, level, err := corr.Get()
			checkNodeErrors(t, err, ok, failing)
			// The best result the call reached is still there (none: LevelNotSet).
			wantLevel := ok
			if ok == 0 {
				wantLevel = gorums.LevelNotSet
			}
			if level != wantLevel || resp.GetResult() != summaryOf(ids(slices.DeleteFunc(all(n), fails)), same("e")) {
				t.Errorf("Get = %v level %d, want the %d successful replies", resp, level, ok)
			}
		})
		t.Run("CorrectableCustomReturn", func(t *testing.T) {
			corr := c.cfg.CorrectableCustomReturn(ctx, req)
			waitClosed(t, corr.Done(), "Done")
			_, _, err := corr.Get()
			checkNodeErrors(t, err, ok, failing)
		})

		// Streams: every server fails.
		allFail := newCluster(t, n, setup{behavior: func(i int) Behavior {
			return Behavior{Before: func(context.Context, string, *Request) error { return refusal(uint32(i + 1)) }}
		}})
		streams := []struct {
			name string
			done func() (<-chan struct{}, func() error)
		}{
			{"CorrectableStream", func() (<-chan struct{}, func() error) {
				corr := allFail.cfg.CorrectableStream(ctx, &Request{Value: "e", Seq: 2, Parts: 2, Quorum: uint32(2 * n)})
				return corr.Done(), func() error { _, _, err := corr.Get(); return err }
			}},
			{"CorrectableStreamPerNode", func() (<-chan struct{}, func() error) {
				corr := allFail.cfg.CorrectableStreamPerNode(ctx, &Request{Value: "e", Seq: 3, Parts: 2, Quorum: uint32(2 * n)}, perNodeValue)
				return corr.Done(), func() error { _, _, err := corr.Get(); return err }
			}},
			{"CorrectableStreamCustomReturn", func() (<-chan struct{}, func() error) {
				corr := allFail.cfg.CorrectableStreamCustomReturn(ctx, &Request{Value: "e", Seq: 4, Parts: 2, Quorum: uint32(2 * n)})
				return corr.Done(), func() error { _, _, err := corr.Get(); return err }
			}},
		}
		for _, s := range streams {
			t.Run(s.name, func(t *testing.T) {
				done, get := s.done()
				waitClosed(t, done, "Done")
				checkNodeErrors(t, get(), 0, ids(all(n)))
			})
		}
	})
}
