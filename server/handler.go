package server

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Handler serves one method. It is made by UnaryHandler, OneWayHandler or StreamHandler,
// usually in generated Register<Service>Server functions.
type Handler struct {
	method      string // set by RegisterHandler
	kind        MethodKind
	requestType protoreflect.MessageType
	replyType   protoreflect.MessageType // nil for OneWay
	// serve runs the handler and sends its replies: the path of a server without
	// interceptors, which costs no closure per request.
	serve func(ctx ServerCtx, req proto.Message, out replier)
	// invoke runs the handler as the end of an interceptor chain.
	invoke Next
	// intercepted is invoke wrapped in the server's interceptors; set by RegisterHandler
	// when the server has any.
	intercepted Next
}

// UnaryHandler serves a method that answers each request with one reply or an error.
func UnaryHandler[Req, Resp proto.Message](f func(ServerCtx, Req) (Resp, error)) Handler {
	return Handler{
		kind:        Unary,
		requestType: messageType[Req](),
		replyType:   messageType[Resp](),
		serve: func(ctx ServerCtx, req proto.Message, out replier) {
			resp, err := f(ctx, req.(Req))
			if err != nil {
				out.send(nil, err)
				return
			}
			out.send(resp, nil)
		},
		invoke: func(ctx ServerCtx, req proto.Message, send SendFunc) error {
			resp, err := f(ctx, req.(Req))
			if err != nil {
				return err
			}
			return send(resp)
		},
	}
}

// OneWayHandler serves a unicast or multicast method: the client expects no reply.
func OneWayHandler[Req proto.Message](f func(ServerCtx, Req)) Handler {
	return Handler{
		kind:        OneWay,
		requestType: messageType[Req](),
		serve:       func(ctx ServerCtx, req proto.Message, _ replier) { f(ctx, req.(Req)) },
		invoke: func(ctx ServerCtx, req proto.Message, _ SendFunc) error {
			f(ctx, req.(Req))
			return nil
		},
	}
}

// StreamHandler serves a correctable stream method: the handler may send many replies, and an
// error it returns is sent as the last one.
func StreamHandler[Req, Resp proto.Message](f func(ServerCtx, Req, func(Resp) error) error) Handler {
	return Handler{
		kind:        Stream,
		requestType: messageType[Req](),
		replyType:   messageType[Resp](),
		serve: func(ctx ServerCtx, req proto.Message, out replier) {
			err := f(ctx, req.(Req), func(resp Resp) error { return out.send(resp, nil) })
			if err != nil {
				out.send(nil, err)
			}
		},
		invoke: func(ctx ServerCtx, req proto.Message, send SendFunc) error {
			return f(ctx, req.(Req), func(resp Resp) error { return send(resp) })
		},
	}
}

func messageType[M proto.Message]() protoreflect.MessageType {
	var zero M
	return zero.ProtoReflect().Type()
}
