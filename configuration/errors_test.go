package configuration

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestQuorumCallErrorText(t *testing.T) {
	down := status.Error(codes.Unavailable, "connection refused")
	tests := []struct {
		err  QuorumCallError
		want string
	}{
		{incompleteError(0, 0, nil), "quorum call error: incomplete call: 0 nodes replied"},
		{incompleteError(3, 3, nil), "quorum call error: incomplete call: 3 of 3 nodes replied"},
		{
			incompleteError(1, 3, []NodeError{{NodeID: 1, Cause: down}, {NodeID: 2, Cause: down}}),
			"quorum call error: incomplete call: 2 of 3 nodes failed, 1 replied: Unavailable: connection refused (nodes 1, 2)",
		},
		{
			incompleteError(1, 2, []NodeError{{NodeID: 3, Cause: errors.New("boom")}}),
			"quorum call error: incomplete call: 1 of 2 node failed, 1 replied: boom (node 3)",
		},
		{
			contextError(context.DeadlineExceeded, 1, 4, []NodeError{
				{NodeID: 9, Cause: down},
				{NodeID: 2, Cause: status.Error(codes.ResourceExhausted, "full")},
				{NodeID: 1, Cause: down},
			}),
			"quorum call error: context deadline exceeded: 3 of 4 nodes failed, 1 replied: " +
				"Unavailable: connection refused (nodes 1, 9); ResourceExhausted: full (node 2)",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() =\n %q\nwant\n %q", got, tt.want)
		}
	}
}

// Each node is named once, however its error came about.
func TestNodeNamedOnce(t *testing.T) {
	err := incompleteError(0, 1, []NodeError{{NodeID: 3704228818, Cause: status.Error(codes.Unavailable, "connection refused")}})
	if n := strings.Count(err.Error(), "3704228818"); n != 1 {
		t.Fatalf("%q names the node %d times", err, n)
	}
	ne := err.Errors[0]
	if n := strings.Count(ne.Error(), "3704228818"); n != 1 || status.Code(ne) != codes.Unavailable {
		t.Fatalf("NodeError %q: named %d times, code %v", ne, n, status.Code(ne))
	}
}

func TestQuorumCallErrorAsFromWrapped(t *testing.T) {
	inner := incompleteError(1, 2, []NodeError{{NodeID: 9, Cause: status.Error(codes.NotFound, "no key")}})
	wrapped := fmt.Errorf("read failed: %w", inner)
	var e QuorumCallError
	if !errors.As(wrapped, &e) {
		t.Fatal("errors.As into QuorumCallError failed on a wrapped error")
	}
	if e.ReplyCount != 1 || len(e.Errors) != 1 || e.Errors[0].NodeID != 9 {
		t.Fatalf("got %+v", e)
	}
	if !errors.Is(wrapped, ErrIncomplete) {
		t.Fatal("errors.Is(wrapped, ErrIncomplete) = false")
	}
	// The node causes are reachable: errors.As finds the NodeError, and its cause's status.
	var ne NodeError
	if !errors.As(wrapped, &ne) || ne.NodeID != 9 {
		t.Fatalf("errors.As NodeError: %+v", ne)
	}
	if st, ok := status.FromError(ne.Cause); !ok || st.Code() != codes.NotFound || st.Message() != "no key" {
		t.Fatalf("status of the node cause: %v, %v", st, ok)
	}
	if !errors.Is(ne, ne.Cause) || errors.Unwrap(ne) != ne.Cause {
		t.Fatal("NodeError does not unwrap to its cause")
	}
	// errors.As reaches a typed cause through the QuorumCallError.
	var se interface{ GRPCStatus() *status.Status }
	if !errors.As(wrapped, &se) || se.GRPCStatus().Code() != codes.NotFound {
		t.Fatal("errors.As did not find the node's status error")
	}
}

func TestQuorumCallErrorIsSentinelCauses(t *testing.T) {
	sentinel := errors.New("sentinel")
	err := error(contextError(context.Canceled, 0, 1, []NodeError{{NodeID: 1, Cause: sentinel}}))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, sentinel) {
		t.Fatal("errors.Is does not see the context error and the node cause")
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrIncomplete) {
		t.Fatal("errors.Is matches causes the error does not have")
	}
	// A zero QuorumCallError (as made by users) unwraps to nothing and still prints.
	var zero QuorumCallError
	if len(zero.Unwrap()) != 0 || zero.Error() == "" {
		t.Fatal("zero QuorumCallError")
	}
}

func TestNodeErrorText(t *testing.T) {
	if got := (NodeError{NodeID: 4, Cause: errors.New("x")}).Error(); got != "node 4: x" {
		t.Fatalf("NodeError.Error() = %q", got)
	}
}

func TestCtxError(t *testing.T) {
	tests := []struct {
		cause error
		code  codes.Code
	}{
		{context.Canceled, codes.Canceled},
		{context.DeadlineExceeded, codes.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.cause.Error(), func(t *testing.T) {
			err := error(ctxError{nodeID: 5, err: tt.cause})
			if !errors.Is(err, tt.cause) {
				t.Fatalf("errors.Is(%v, %v) = false", err, tt.cause)
			}
			if got := status.Code(err); got != tt.code {
				t.Fatalf("status.Code = %v, want %v", got, tt.code)
			}
			st, ok := status.FromError(err)
			if !ok || st.Code() != tt.code || !strings.Contains(st.Message(), "node 5") {
				t.Fatalf("status.FromError = %v, %v", st, ok)
			}
			if err.Error() != "node 5: "+tt.cause.Error() {
				t.Fatalf("Error() = %q", err.Error())
			}
			// Wrapped, it keeps both properties.
			w := fmt.Errorf("call: %w", err)
			if !errors.Is(w, tt.cause) || status.Code(w) != tt.code {
				t.Fatalf("wrapped: Is %v, code %v", errors.Is(w, tt.cause), status.Code(w))
			}
		})
	}
}
