package server

import (
	"context"
	"math"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/quorumcall/gorums/internal/wire"
)

// DefaultReceiveBufferSize is the default of WithReceiveBufferSize.
const DefaultReceiveBufferSize = 1024

// DefaultReplyBufferBytes is the default of WithReplyBufferBytes.
const DefaultReplyBufferBytes = 4 << 20

// DefaultMaxStreams is the default of WithMaxStreams.
const DefaultMaxStreams = 10000

// DefaultGracefulStopTimeout is the default of WithGracefulStopTimeout.
const DefaultGracefulStopTimeout = 10 * time.Second

// DefaultReceiveWindow is the default of WithReceiveWindow: the static flow-control window,
// in bytes, of each client connection and stream for the requests that come to the server.
// It is gRPC's own ceiling for the window it grows by probing, set at once.
const DefaultReceiveWindow = wire.DefaultReceiveWindow

// DefaultKeepaliveMinTime is the shortest interval between a client's keepalive pings that a
// server accepts by default.
const DefaultKeepaliveMinTime = 5 * time.Second

type options struct {
	grpcOpts   []grpc.ServerOption
	buffer     int
	replyBytes int
	maxStreams int
	grace      time.Duration
	logger     *zap.Logger
	onConnect  func(context.Context)
	intercept  []Interceptor
	noBatching bool
	recvWindow int32 // 0: gRPC's dynamic window
}

func defaultOptions() options {
	return options{
		buffer:     DefaultReceiveBufferSize,
		replyBytes: DefaultReplyBufferBytes,
		maxStreams: DefaultMaxStreams,
		grace:      DefaultGracefulStopTimeout,
		logger:     zap.NewNop(),
		recvWindow: DefaultReceiveWindow,
	}
}

// Option configures a Server.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithReceiveBufferSize sets how many replies of each client stream may wait to go out, for
// a client that reads them more slowly than the handlers make them. The queue grows only as
// replies wait. At the bound the stream's handlers wait to send and its next request waits to
// be read. A size of 0 is taken as 1.
func WithReceiveBufferSize(size uint) Option {
	return optionFunc(func(o *options) { o.buffer = int(min(size, math.MaxInt32)) })
}

// WithReplyBufferBytes sets how many bytes of encoded replies each client stream may hold
// while they wait to go out to a client that reads them slowly or not at all. At the bound
// the stream's handlers wait to send and its next request waits to be read, so gRPC flow
// control slows that client down; other streams go on. One reply larger than the bound is let
// through when nothing else waits. The default is DefaultReplyBufferBytes (4 MiB), so N
// clients that stop reading hold at most about N times 4 MiB of replies in the server. A
// reply of 1 KiB or more counts the pooled buffer it is encoded in (at most four times its
// size), since that is what it holds. The bound is on replies, not on handlers: handlers that
// called Release run at once, and each holds what it allocated until it can send.
func WithReplyBufferBytes(n uint) Option {
	return optionFunc(func(o *options) { o.replyBytes = int(min(n, math.MaxInt32)) })
}

// WithMaxStreams sets how many client streams the server serves at once, over all its
// connections; the default is DefaultMaxStreams. A stream beyond the limit ends at once with
// ResourceExhausted, before the connect callback, and costs nothing once it has ended. (gRPC's
// own grpc.MaxConcurrentStreams, which WithGRPCServerOptions can set, limits streams per
// connection instead.) A limit of 0 is taken as 1.
func WithMaxStreams(n uint) Option {
	return optionFunc(func(o *options) { o.maxStreams = int(min(max(n, 1), math.MaxInt32)) })
}

// WithGracefulStopTimeout bounds how long GracefulStop waits for running handlers to finish
// and for their replies to leave before it stops the server hard, as Stop does; the default is
// DefaultGracefulStopTimeout. A client that does not read its replies thus delays
// GracefulStop by at most d.
func WithGracefulStopTimeout(d time.Duration) Option {
	return optionFunc(func(o *options) { o.grace = max(d, 0) })
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

// WithInterceptors adds interceptors that run around the handler of every request, the first
// one given (over all WithInterceptors options) outermost; see Interceptor.
func WithInterceptors(interceptors ...Interceptor) Option {
	return optionFunc(func(o *options) {
		for _, ic := range interceptors {
			if ic != nil {
				o.intercept = append(o.intercept, ic)
			}
		}
	})
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

// WithNoBatching turns batched frames off: the server does not confirm them to clients that
// announce them, so each reply travels in a gRPC message of its own and clients send no
// batches. By default a server confirms batching to clients that announce it (Gorums of this
// version); other clients never see a batch either way.
func WithNoBatching() Option {
	return optionFunc(func(o *options) { o.noBatching = true })
}

// WithReceiveWindow sets the flow-control window, in bytes, of each client connection and
// stream for the requests that come to the server (default DefaultReceiveWindow). A set window
// is static. gRPC's dynamic window instead starts at 64 KiB and grows up to 16 MiB as gRPC
// measures the link, with a ping to the client per round trip while requests come; for a
// stream of small messages those pings cost time and allocations on both sides. A client
// connection may leave up to one window of requests unread in the server while the stream's
// handlers are busy, as the dynamic window also allows once grown. Size 0 gives gRPC's dynamic
// window back; sizes from 1 to 64 KiB are taken as 64 KiB, gRPC's least, and sizes above
// 2 GiB - 1 as 2 GiB - 1. A window set with WithGRPCServerOptions wins over this one.
func WithReceiveWindow(size uint32) Option {
	return optionFunc(func(o *options) { o.recvWindow = wire.ReceiveWindow(size) })
}
