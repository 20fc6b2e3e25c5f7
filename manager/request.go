package manager

import (
	"context"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	"github.com/quorumcall/gorums/internal/wire"
)

// Request is one message for a node's actor to put on the node's stream. The call engines of
// package configuration make them; all nodes of one call share the Frame and the MsgID.
type Request struct {
	// Ctx is the call's context. A request whose context has ended while its call still
	// waits (Done not closed) is withdrawn: not sent if it is still queued. Replies are not
	// delivered after it ends.
	Ctx   context.Context
	MsgID uint64
	Frame *wire.Frame
	// Reply receives the node's reply, or the error that stands in for it. Nil for one-way
	// messages. It must have room for every response the node can send for this request
	// (one, unless Stream), or be drained until Ctx ends.
	Reply chan<- Response
	// Stream marks a request that may get many replies: its pending entry stays until Forget.
	Stream bool
	// Done, if not nil, is closed when the call has returned with a result (not when its
	// context ended): the request is then still sent if it is queued, but its reply is not
	// awaited, and a reply that finds Reply full is dropped instead of waiting. Calls that
	// may get more replies than Reply holds (streams) must set it. A call must close Done
	// before it calls Forget for its result.
	Done <-chan struct{}
	// Sent, if not nil, is given the outcome of handing the message to the stream (nil once
	// it is on the stream). It must have room for one value.
	Sent chan<- error
}

// Response is what a node actor delivers for a request: the reply's payload and status, or Err
// when no reply will come (node down, stream broken, manager closed).
type Response struct {
	NodeID  uint32
	Payload []byte      // the application message, still encoded
	Status  *spb.Status // set when the server's handler failed
	Err     error
}
