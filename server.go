package gorums

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/server"
)

// Server side.
type (
	// Server serves Gorums methods; see server.Server.
	Server = server.Server
	// ServerOption configures a Server.
	ServerOption = server.Option
	// ServerCtx is a handler's context, with Release.
	ServerCtx = server.ServerCtx
	// Handler serves one method.
	Handler = server.Handler
	// ServerInterceptor runs around the handler of every request; see server.Interceptor.
	ServerInterceptor = server.Interceptor
	// ServerCallInfo says what a request is for: the method's full name and kind.
	ServerCallInfo = server.CallInfo
	// ServerSendFunc sends one reply; an interceptor may wrap it to observe the replies.
	ServerSendFunc = server.SendFunc
	// ServerNext runs the rest of an interceptor chain.
	ServerNext = server.Next
	// MethodKind says how many replies a method sends.
	MethodKind = server.MethodKind
)

// The kinds of methods, as server interceptors see them.
const (
	// UnaryMethod: one reply (ordered RPC, quorum, async and correctable calls).
	UnaryMethod = server.Unary
	// OneWayMethod: no reply (unicast, multicast).
	OneWayMethod = server.OneWay
	// StreamMethod: any number of replies (correctable stream).
	StreamMethod = server.Stream
)

// WithServerInterceptors adds interceptors that run around the handler of every request of
// every call type, the first one given outermost; see server.Interceptor.
func WithServerInterceptors(interceptors ...ServerInterceptor) ServerOption {
	return server.WithInterceptors(interceptors...)
}

// NewServer returns a server.
func NewServer(opts ...ServerOption) *Server { return server.New(opts...) }

// WithReceiveBufferSize bounds how many replies each client stream may hold for a client that
// reads them slowly (default 1024); see server.WithReceiveBufferSize.
func WithReceiveBufferSize(size uint) ServerOption { return server.WithReceiveBufferSize(size) }

// WithReplyBufferBytes bounds the bytes of replies each client stream may hold for a client
// that reads them slowly (default 4 MiB); see server.WithReplyBufferBytes.
func WithReplyBufferBytes(n uint) ServerOption { return server.WithReplyBufferBytes(n) }

// WithMaxStreams limits the client streams a server serves at once (default 10000); see
// server.WithMaxStreams.
func WithMaxStreams(n uint) ServerOption { return server.WithMaxStreams(n) }

// WithGracefulStopTimeout bounds how long GracefulStop waits before it stops hard (default
// 10 s); see server.WithGracefulStopTimeout.
func WithGracefulStopTimeout(d time.Duration) ServerOption {
	return server.WithGracefulStopTimeout(d)
}

// WithGRPCServerOptions adds options for the underlying gRPC server.
func WithGRPCServerOptions(opts ...grpc.ServerOption) ServerOption {
	return server.WithGRPCServerOptions(opts...)
}

// WithConnectCallback sets a function called with each new client stream's context.
func WithConnectCallback(f func(context.Context)) ServerOption {
	return server.WithConnectCallback(f)
}

// UnaryHandler serves a method with one reply per request.
func UnaryHandler[Req, Resp proto.Message](f func(ServerCtx, Req) (Resp, error)) Handler {
	return server.UnaryHandler(f)
}

// OneWayHandler serves a unicast or multicast method.
func OneWayHandler[Req proto.Message](f func(ServerCtx, Req)) Handler {
	return server.OneWayHandler(f)
}

// StreamHandler serves a correctable stream method.
func StreamHandler[Req, Resp proto.Message](f func(ServerCtx, Req, func(Resp) error) error) Handler {
	return server.StreamHandler(f)
}
