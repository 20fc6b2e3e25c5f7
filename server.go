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
)

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
