package replica

import (
	"context"
	"net"

	"go.uber.org/zap"

	"github.com/quorumcall/gorums/manager"
	"github.com/quorumcall/gorums/server"
)

// Defaults of the replica's options, all in one place.
const (
	// DefaultSelfBufferSize is the buffer, in bytes, of the in-memory connection through
	// which a replica's own node reaches its own server. A writer that finds it full waits, as
	// it would on a socket, so it bounds memory and not what can be sent.
	DefaultSelfBufferSize = 1 << 20
)

// Dialer connects to a peer's address ("ip:port", as gRPC resolved it).
type Dialer func(ctx context.Context, addr string) (net.Conn, error)

// dialTCP is the default Dialer.
func dialTCP(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// options is a replica's configuration; every field has its default set by defaultOptions.
type options struct {
	listenAddr  string // "": the replica's own address in the members map
	dialer      Dialer
	logger      *zap.Logger
	managerOpts []manager.Option
	serverOpts  []server.Option
	selfBuffer  int
}

func defaultOptions() options {
	return options{
		dialer:     dialTCP,
		logger:     zap.NewNop(),
		selfBuffer: DefaultSelfBufferSize,
	}
}

// Option configures a Replica. Options are made by the With functions of this package.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithListenAddress makes Start listen on addr instead of the replica's address in the
// members map, for example ":9001" to accept connections on every interface while peers
// reach the replica at "10.0.0.1:9001".
func WithListenAddress(addr string) Option {
	return optionFunc(func(o *options) { o.listenAddr = addr })
}

// WithDialer sets how the replica's nodes connect to its peers (default: TCP). The replica's
// own node never uses it: it reaches its own server in memory. Use it rather than a
// grpc.WithContextDialer among the manager options, which the replica overrides.
func WithDialer(d Dialer) Option {
	return optionFunc(func(o *options) {
		if d == nil {
			d = dialTCP
		}
		o.dialer = d
	})
}

// WithLogger sets the logger of the replica (start and stop at Info), of its manager and of
// its server. The default logs nothing. A logger given with WithManagerOptions or
// WithServerOptions replaces it there.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(o *options) {
		if l == nil {
			l = zap.NewNop()
		}
		o.logger = l
	})
}

// WithManagerOptions adds options of the replica's manager, through which its handlers call
// the replicas. Give it transport credentials, as every manager needs:
//
//	replica.WithManagerOptions(manager.WithGrpcDialOptions(grpc.WithTransportCredentials(creds)))
//
// The replica sets its own context dialer (see WithDialer) and no dial timeout: its
// configuration is made before any replica serves, so nodes connect in the background.
func WithManagerOptions(opts ...manager.Option) Option {
	return optionFunc(func(o *options) { o.managerOpts = append(o.managerOpts, opts...) })
}

// WithServerOptions adds options of the replica's server (interceptors, limits, gRPC server
// options such as credentials).
func WithServerOptions(opts ...server.Option) Option {
	return optionFunc(func(o *options) { o.serverOpts = append(o.serverOpts, opts...) })
}

// WithSelfBufferSize sets the buffer of the in-memory connection to the replica's own server
// (default DefaultSelfBufferSize). A size of 0 is taken as the default.
func WithSelfBufferSize(bytes uint) Option {
	return optionFunc(func(o *options) {
		if bytes == 0 {
			bytes = DefaultSelfBufferSize
		}
		o.selfBuffer = int(bytes)
	})
}
