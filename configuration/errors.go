package configuration

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
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
	asked int   // how many nodes the call asked; 0 if unknown
}

// NodeError is one node's part in a failed call.
type NodeError struct {
	NodeID uint32
	Cause  error
}

func (e NodeError) Error() string { return fmt.Sprintf("node %d: %v", e.NodeID, e.Cause) }

// Unwrap returns the node's error.
func (e NodeError) Unwrap() error { return e.Cause }

// GRPCStatus makes status.Code and status.FromError see the cause's code, with the node named
// in the message.
func (e NodeError) GRPCStatus() *status.Status {
	return status.New(status.Code(e.Cause), e.Error())
}

// Error reads as a summary followed by the failures grouped by cause, each node named once:
//
//	quorum call error: incomplete call: 2 of 3 nodes failed, 1 replied: Unavailable: connection refused (nodes 1, 2)
func (e QuorumCallError) Error() string {
	var b strings.Builder
	b.WriteString("quorum call error: ")
	b.WriteString(e.Reason)
	b.WriteString(": ")
	of := ""
	if e.asked > 0 {
		of = fmt.Sprintf(" of %d", e.asked)
	}
	switch {
	case len(e.Errors) == 0:
		fmt.Fprintf(&b, "%d%s %s replied", e.ReplyCount, of, plural(e.ReplyCount, "node", "nodes"))
	default:
		fmt.Fprintf(&b, "%d%s %s failed, %d replied", len(e.Errors), of, plural(len(e.Errors), "node", "nodes"), e.ReplyCount)
	}
	for i, g := range groupCauses(e.Errors) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(g.cause)
		b.WriteString(" (")
		b.WriteString(plural(len(g.nodes), "node ", "nodes "))
		for j, id := range g.nodes {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprint(&b, id)
		}
		b.WriteString(")")
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

type causeGroup struct {
	cause string
	nodes []uint32
}

// groupCauses groups node errors by what they say, in order of first appearance, with the
// nodes of each group sorted.
func groupCauses(errs []NodeError) []causeGroup {
	var groups []causeGroup
	for _, ne := range errs {
		c := describe(ne.Cause)
		i := slices.IndexFunc(groups, func(g causeGroup) bool { return g.cause == c })
		if i < 0 {
			groups = append(groups, causeGroup{cause: c})
			i = len(groups) - 1
		}
		groups[i].nodes = append(groups[i].nodes, ne.NodeID)
	}
	for _, g := range groups {
		slices.Sort(g.nodes)
	}
	return groups
}

// describe says what a node's error is: its gRPC code and message for a status error, its
// text otherwise.
func describe(err error) string {
	if err == nil {
		return "no error"
	}
	if s, ok := status.FromError(err); ok && s.Code() != codes.Unknown {
		if s.Message() == "" {
			return s.Code().String()
		}
		return s.Code().String() + ": " + s.Message()
	}
	return err.Error()
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

func incompleteError(replies, asked int, errs []NodeError) QuorumCallError {
	return QuorumCallError{Reason: ErrIncomplete.Error(), ReplyCount: replies, Errors: errs, cause: ErrIncomplete, asked: asked}
}

func contextError(err error, replies, asked int, errs []NodeError) QuorumCallError {
	return QuorumCallError{Reason: err.Error(), ReplyCount: replies, Errors: errs, cause: err, asked: asked}
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
