package configuration

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/status"
)

// ErrIncomplete is the cause of a QuorumCallError for a call in which every node answered or
// failed without the quorum function accepting the replies: errors.Is(err, ErrIncomplete).
var ErrIncomplete = errors.New("incomplete call")

// QuorumCallError is the error of a quorum call that did not reach a quorum. It is returned by
// value: use errors.As with a QuorumCallError variable.
type QuorumCallError struct {
	// Reason says why the call ended: "incomplete call" or the context's error.
	Reason string
	// ReplyCount is the number of successful replies the call got.
	ReplyCount int
	// Errors holds each failed node's error, in the order they arrived.
	Errors []NodeError

	cause error // ErrIncomplete or the context's error; matched by errors.Is
}

// NodeError is one node's part in a failed call.
type NodeError struct {
	NodeID uint32
	Cause  error
}

func (e NodeError) Error() string { return fmt.Sprintf("node %d: %v", e.NodeID, e.Cause) }

// Unwrap returns the node's error.
func (e NodeError) Unwrap() error { return e.Cause }

func (e QuorumCallError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quorum call error: %s (replies=%d, errors=%d)", e.Reason, e.ReplyCount, len(e.Errors))
	for i, ne := range e.Errors {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(ne.Error())
	}
	return b.String()
}

// Unwrap returns the call's cause (ErrIncomplete or a context error) followed by each node's
// error, so errors.Is and errors.As see them all.
func (e QuorumCallError) Unwrap() []error {
	out := make([]error, 0, 1+len(e.Errors))
	if e.cause != nil {
		out = append(out, e.cause)
	}
	for _, ne := range e.Errors {
		out = append(out, ne)
	}
	return out
}

func incompleteError(replies int, errs []NodeError) QuorumCallError {
	return QuorumCallError{Reason: ErrIncomplete.Error(), ReplyCount: replies, Errors: errs, cause: ErrIncomplete}
}

func contextError(err error, replies int, errs []NodeError) QuorumCallError {
	return QuorumCallError{Reason: err.Error(), ReplyCount: replies, Errors: errs, cause: err}
}

// ctxError is the error of a single-node call whose context ended: errors.Is finds the context
// error, and status.Code gives Canceled or DeadlineExceeded as gRPC would.
type ctxError struct {
	nodeID uint32
	err    error
}

func (e ctxError) Error() string { return fmt.Sprintf("node %d: %v", e.nodeID, e.err) }
func (e ctxError) Unwrap() error { return e.err }

// GRPCStatus makes status.FromError and status.Code understand the error.
func (e ctxError) GRPCStatus() *status.Status {
	s := status.FromContextError(e.err)
	return status.New(s.Code(), e.Error())
}
