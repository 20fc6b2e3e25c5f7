package server

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// DefaultReceiveBufferSize is the default of WithReceiveBufferSize.
const DefaultReceiveBufferSize = 1024

// DefaultKeepaliveMinTime is the shortest interval between a client's keepalive pings that a
// server accepts by default.
const DefaultKeepaliveMinTime = 5 * time.Second

type options struct {
	grpcOpts  []grpc.ServerOption
	buffer    int
	logger    *zap.Logger
	onConnect func(context.Context)
}

func defaultOptions() options {
	return options{buffer: DefaultReceiveBufferSize, logger: zap.NewNop()}
}

// Option configures a Server.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithReceiveBufferSize sets how many messages each client stream may hold between its
// handlers and its sender: the replies waiting to go out. Handlers wait when it is full.
// A size of 0 is taken as 1.
func WithReceiveBufferSize(size uint) Option {
	return optionFunc(func(o *options) { o.buffer = int(size) })
}

// WithGRPCServerOptions adds options for the underlying gRPC server (credentials, message size
// limits, interceptors, keepalive, ...).
func WithGRPCServerOptions(opts ...grpc.ServerOption) Option {
	return optionFunc(func(o *options) { o.grpcOpts = append(o.grpcOpts, opts...) })
}

// WithConnectCallback sets a function called with each new client stream's context (which
// carries the client's metadata and peer) when the stream opens.
func WithConnectCallback(f func(context.Context)) Option {
	return optionFunc(func(o *options) { o.onConnect = f })
}

// WithLogger sets the logger for stream lifecycle events (Info), per-request traces (Debug),
// and the panics the server contains (Error, with the panicking goroutine's stack: a handler,
// an interceptor or the connect callback).
//
// The default logs nothing, like every Gorums default: the library never writes to stderr on
// its own nor touches zap's globals, so a program or test that embeds it keeps its output. A
// contained panic still reaches the client as an Internal status that carries the panic's
// value, but its stack is then lost; a server in production should log at least Error lines,
// for example with
//
//	logger, _ := zap.NewProduction(zap.IncreaseLevel(zap.ErrorLevel)) // JSON lines on stderr
//	srv := gorums.NewServer(gorums.WithLogger(logger))
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(o *options) {
		if l == nil {
			l = zap.NewNop()
		}
		o.logger = l
	})
}
