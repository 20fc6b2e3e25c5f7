package server

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Handler serves one method. It is made by UnaryHandler, OneWayHandler or StreamHandler,
// usually in generated Register<Service>Server functions.
type Handler struct {
	method      string // set by RegisterHandler
	requestType protoreflect.MessageType
	serve       func(ctx ServerCtx, req proto.Message, out replier)
}

// UnaryHandler serves a method that answers each request with one reply or an error.
func UnaryHandler[Req, Resp proto.Message](f func(ServerCtx, Req) (Resp, error)) Handler {
	return Handler{
		requestType: messageType[Req](),
		serve: func(ctx ServerCtx, req proto.Message, out replier) {
			resp, err := f(ctx, req.(Req))
			if err != nil {
				out.send(nil, err)
				return
			}
			out.send(resp, nil)
		},
	}
}

// OneWayHandler serves a unicast or multicast method: the client expects no reply.
func OneWayHandler[Req proto.Message](f func(ServerCtx, Req)) Handler {
	return Handler{
		requestType: messageType[Req](),
		serve:       func(ctx ServerCtx, req proto.Message, _ replier) { f(ctx, req.(Req)) },
	}
}

// StreamHandler serves a correctable stream method: the handler may send many replies, and an
// error it returns is sent as the last one.
func StreamHandler[Req, Resp proto.Message](f func(ServerCtx, Req, func(Resp) error) error) Handler {
	return Handler{
		requestType: messageType[Req](),
		serve: func(ctx ServerCtx, req proto.Message, out replier) {
			err := f(ctx, req.(Req), func(resp Resp) error { return out.send(resp, nil) })
			if err != nil {
				out.send(nil, err)
			}
		},
	}
}

func messageType[M proto.Message]() protoreflect.MessageType {
	var zero M
	return zero.ProtoReflect().Type()
}
