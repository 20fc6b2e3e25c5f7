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

// WithLogger sets the logger for stream lifecycle events (Info) and per-request traces (Debug).
// The default logs nothing.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(o *options) {
		if l == nil {
			l = zap.NewNop()
		}
		o.logger = l
	})
}
