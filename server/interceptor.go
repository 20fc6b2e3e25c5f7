package server

import (
	"fmt"
	"sync/atomic"

	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/quorumcall/gorums/internal/logfield"
)

// Interceptor runs around the handling of every request of every method the server serves,
// whatever its call type: ordered RPCs, quorum, async and correctable calls (one reply),
// unicast and multicast (no reply), and correctable streams (many replies). Set interceptors
// with WithInterceptors; the first one given is the outermost.
//
// An interceptor sees the request's ServerCtx (the stream's context with the client's
// metadata, the request's own per-message metadata and its peer; Release works as in a
// handler), what the request is for (info) and the request, and decides what happens:
//   - to go on, it calls next, usually with the same ctx, req and send;
//   - to refuse, it returns an error without calling next, typically a status error such as
//     status.Error(codes.PermissionDenied, ...): the client gets it as the request's reply;
//   - to observe or replace the replies, it passes next a SendFunc of its own that looks at
//     each reply before calling send;
//   - to observe the outcome, it looks at what next returns.
//
// The error the chain returns is the request's reply for a method with one reply (unless a
// reply was already sent), the last reply of a stream, and only logged (at Debug) for a
// one-way method. A method with one reply sends exactly one: a second send fails, and a chain
// that returns nil without sending makes the client get Internal. A panic in an interceptor
// is contained as a handler's is: the client gets Internal and the panic is logged at Error
// with its stack.
//
// Interceptors run on the goroutine that runs the handler, under the stream's handler lock,
// so requests of one stream reach them one at a time in arrival order until a handler or
// interceptor calls Release. They must be safe for concurrent use by different streams.
type Interceptor func(ctx ServerCtx, info CallInfo, req proto.Message, send SendFunc, next Next) error

// Next runs the rest of an interceptor chain: the next interceptor, or the method's handler.
type Next func(ctx ServerCtx, req proto.Message, send SendFunc) error

// SendFunc sends one reply to the client. The reply must be of the method's reply type. It
// fails for a one-way method, for the second reply of a method with one reply, and once the
// stream has ended.
type SendFunc func(reply proto.Message) error

// CallInfo says what a request is for.
type CallInfo struct {
	// Method is the full name of the method: package.Service.Method.
	Method string
	// Kind says how many replies the method sends.
	Kind MethodKind
}

// MethodKind says how many replies a method sends.
type MethodKind uint8

const (
	// Unary methods send one reply: ordered RPCs, quorum calls, async and correctable calls.
	Unary MethodKind = iota + 1
	// OneWay methods send none: unicast and multicast.
	OneWay
	// Stream methods send any number: correctable streams.
	Stream
)

func (k MethodKind) String() string {
	switch k {
	case Unary:
		return "unary"
	case OneWay:
		return "one-way"
	case Stream:
		return "stream"
	default:
		return fmt.Sprintf("MethodKind(%d)", uint8(k))
	}
}

// chain returns the interceptors wrapped around final, the first one outermost. It is built
// once per method, when the handler is registered, so a request costs no closure per
// interceptor.
func chain(interceptors []Interceptor, info CallInfo, final Next) Next {
	next := final
	for i := len(interceptors) - 1; i >= 0; i-- {
		ic, inner := interceptors[i], next
		next = func(ctx ServerCtx, req proto.Message, send SendFunc) error {
			return ic(ctx, info, req, send, inner)
		}
	}
	return next
}

// interceptedCall is one request served through an interceptor chain: it enforces what the
// method's kind allows of its replies.
type interceptedCall struct {
	out       replier
	kind      MethodKind
	replyType protoreflect.MessageType
	replied   atomic.Bool // a Unary method's one reply was sent
}

func (c *interceptedCall) send(reply proto.Message) error {
	switch {
	case c.kind == OneWay:
		return status.Errorf(codes.FailedPrecondition, "gorums: %s is one-way: it sends no reply", c.out.method)
	case reply == nil:
		return status.Errorf(codes.InvalidArgument, "gorums: nil reply for %s", c.out.method)
	case reply.ProtoReflect().Descriptor() != c.replyType.Descriptor():
		return status.Errorf(codes.InvalidArgument, "gorums: reply of type %s for %s, which replies with %s",
			reply.ProtoReflect().Descriptor().FullName(), c.out.method, c.replyType.Descriptor().FullName())
	case c.kind == Unary && !c.replied.CompareAndSwap(false, true):
		return status.Errorf(codes.FailedPrecondition, "gorums: %s has already replied", c.out.method)
	}
	return c.out.send(reply, nil)
}

// finish sends what the chain's outcome err means for the client.
func (c *interceptedCall) finish(s *stream, err error) {
	switch c.kind {
	case Unary:
		if c.replied.CompareAndSwap(false, true) {
			if err == nil {
				err = status.Errorf(codes.Internal, "gorums: %s returned without a reply", c.out.method)
			}
			c.out.send(nil, err)
			return
		}
	case Stream:
		if err != nil {
			c.out.send(nil, err)
			return
		}
	}
	if err != nil {
		if ce := s.log.Check(zap.DebugLevel, "error not sent: the request had its reply or has none"); ce != nil {
			ce.Write(logfield.Method(c.out.method), logfield.MsgID(c.out.id), logfield.Error(err))
		}
	}
}
