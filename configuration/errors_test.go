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
	tests := []struct {
		err  QuorumCallError
		want string
	}{
		{incompleteError(0, nil), "quorum call error: incomplete call (replies=0, errors=0)"},
		{
			incompleteError(1, []NodeError{{NodeID: 3, Cause: errors.New("boom")}}),
			"quorum call error: incomplete call (replies=1, errors=1): node 3: boom",
		},
		{
			contextError(context.DeadlineExceeded, 2, []NodeError{
				{NodeID: 1, Cause: status.Error(codes.Unavailable, "down")},
				{NodeID: 2, Cause: errors.New("x")},
			}),
			"quorum call error: context deadline exceeded (replies=2, errors=2): node 1: rpc error: code = Unavailable desc = down; node 2: x",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() =\n %q\nwant\n %q", got, tt.want)
		}
	}
}

func TestQuorumCallErrorAsFromWrapped(t *testing.T) {
	inner := incompleteError(1, []NodeError{{NodeID: 9, Cause: status.Error(codes.NotFound, "no key")}})
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
	err := error(contextError(context.Canceled, 0, []NodeError{{NodeID: 1, Cause: sentinel}}))
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
