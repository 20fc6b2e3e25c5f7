package manager

import (
	"time"

	"go.uber.org/zap"

	"github.com/quorumcall/gorums/internal/callproto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/metadata"
)

// Defaults of the manager's options, all in one place.
const (
	// DefaultSendBufferSize is how many messages may wait in a node's mailbox before senders
	// wait for room.
	DefaultSendBufferSize = 1024

	// MaxSendBufferSize is the largest mailbox WithSendBufferSize sets; a mailbox is
	// allocated in full when its node is made.
	MaxSendBufferSize = 1 << 16

	// DefaultConnectWait is how long a request whose context has no deadline waits for its
	// node's first connection attempt to end before it fails with Unavailable (a request with
	// a deadline waits until its deadline). A server that is down is found at once; this
	// bounds the wait for one that accepts TCP connections but never answers as gRPC would,
	// which gRPC itself gives 20 seconds.
	DefaultConnectWait = 3 * time.Second

	// DefaultReceiveWindow is the static flow-control window, in bytes, of each node's
	// connection and stream for the replies that come to this client: gRPC's own ceiling for
	// the window it grows by probing, set at once.
	DefaultReceiveWindow = callproto.DefaultReceiveWindow
)

// DefaultBackoff is the reconnect backoff used unless WithBackoff says otherwise: quick first
// retries, so a restarted server is found again within a fraction of a second, capped so a
// node that stays down costs little.
var DefaultBackoff = backoff.Config{
	BaseDelay:  100 * time.Millisecond,
	Multiplier: 1.6,
	Jitter:     0.2,
	MaxDelay:   5 * time.Second,
}

// options is the manager's configuration; every field has its default set by defaultOptions.
type options struct {
	dialOpts     []grpc.DialOption
	dialTimeout  time.Duration // 0: NewConfiguration does not wait for connections
	logger       *zap.Logger
	backoff      backoff.Config
	sendBuffer   int
	metadata     metadata.MD
	perNodeMD    func(nodeID uint32) metadata.MD
	connectWait  time.Duration
	noConnect    bool
	noBatching   bool
	recvWindow   int32 // 0: gRPC's dynamic window
	interceptors []ClientInterceptor
}

func defaultOptions() options {
	return options{
		logger:      zap.NewNop(),
		backoff:     DefaultBackoff,
		sendBuffer:  DefaultSendBufferSize,
		connectWait: DefaultConnectWait,
		recvWindow:  DefaultReceiveWindow,
	}
}

// nodeConfig is what the actor of node id at addr needs from the options.
func (o *options) nodeConfig(id uint32, addr string, rt *callproto.Runtime) callproto.Config {
	return callproto.Config{
		ID: id, Addr: addr, Logger: o.logger, DialOpts: o.dialOpts, Backoff: o.backoff,
		SendBuffer: o.sendBuffer, Metadata: o.metadata, PerNodeMD: o.perNodeMD,
		ConnectWait: o.connectWait, NoConnect: o.noConnect, Runtime: rt, Batching: !o.noBatching,
		ReceiveWindow: o.recvWindow,
	}
}

// Option configures a Manager. Options are made by the With functions of this package.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithGrpcDialOptions adds gRPC dial options used for every node's connection, for example
// grpc.WithTransportCredentials. They are applied after Gorums' own, so they win.
func WithGrpcDialOptions(opts ...grpc.DialOption) Option {
	return optionFunc(func(o *options) {
		for _, d := range opts {
			if d != nil { // gRPC would dereference it when the first node dials
				o.dialOpts = append(o.dialOpts, d)
			}
		}
	})
}

// WithDialTimeout makes NewConfiguration (with a node list by address) wait up to d for its new
// nodes to connect, and fail, naming them, if some did not. New are the nodes it adds to the
// manager and those that have never connected yet. Nodes that did not connect stay in the
// manager, trying. Without it nodes connect in the background.
func WithDialTimeout(d time.Duration) Option {
	return optionFunc(func(o *options) { o.dialTimeout = d })
}

// WithLogger sets the logger for node lifecycle events (Info/Warn) and call traces (Debug).
// The default logs nothing. A nil logger is taken as the default.
func WithLogger(l *zap.Logger) Option {
	return optionFunc(func(o *options) {
		if l == nil {
			l = zap.NewNop()
		}
		o.logger = l
	})
}

// WithBackoff sets the backoff between reconnection attempts to a node, both for the gRPC
// connection and for re-opening the node's stream. A field out of range (a delay of 0 or
// less, a multiplier below 1 or NaN, a jitter outside 0 to 1) takes backoff.DefaultConfig's
// value, so that a node that cannot connect is never redialed in a busy loop; a MaxDelay below
// BaseDelay is taken as BaseDelay.
func WithBackoff(cfg backoff.Config) Option {
	return optionFunc(func(o *options) { o.backoff = saneBackoff(cfg) })
}

// saneBackoff replaces cfg's zero or out-of-range fields with backoff.DefaultConfig's.
func saneBackoff(cfg backoff.Config) backoff.Config {
	def := backoff.DefaultConfig
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = def.BaseDelay
	}
	if !(cfg.Multiplier >= 1) { // NaN too
		cfg.Multiplier = def.Multiplier
	}
	if !(cfg.Jitter >= 0 && cfg.Jitter <= 1) {
		cfg.Jitter = def.Jitter
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = def.MaxDelay
	}
	cfg.MaxDelay = max(cfg.MaxDelay, cfg.BaseDelay)
	return cfg
}

// WithSendBufferSize sets how many messages may wait in each node's mailbox (default
// DefaultSendBufferSize). It bounds the backlog toward a node that does not keep up: once its
// mailbox is full, quorum, async and correctable calls fail that node at once with
// ResourceExhausted and go on with the others, while ordered RPCs and one-way calls wait for
// room until their context ends (a multicast queues for every node with room first, so a full
// node holds back only its own copy). A size of 0 is taken as 1, and one above
// MaxSendBufferSize as MaxSendBufferSize.
func WithSendBufferSize(size uint) Option {
	return optionFunc(func(o *options) { o.sendBuffer = int(min(max(size, 1), MaxSendBufferSize)) })
}

// WithMetadata sets gRPC metadata sent to every node when its stream opens; handlers see it
// through metadata.FromIncomingContext. Keys are sent in lower case, as gRPC requires; the
// keys gorums-batch and gorums-batch-limit are Gorums' own and are not sent from here (the
// same holds for WithPerNodeMetadata).
func WithMetadata(md metadata.MD) Option {
	return optionFunc(func(o *options) { o.metadata = md.Copy() })
}

// WithPerNodeMetadata sets a function giving extra metadata for each node's stream, by node ID.
func WithPerNodeMetadata(f func(nodeID uint32) metadata.MD) Option {
	return optionFunc(func(o *options) { o.perNodeMD = f })
}

// WithConnectWait sets how long a request whose context has no deadline waits for its node's
// first connection attempt (default DefaultConnectWait); a request with a deadline waits until
// its deadline. A value of 0 or less is taken as the default.
func WithConnectWait(d time.Duration) Option {
	return optionFunc(func(o *options) {
		if d <= 0 {
			d = DefaultConnectWait
		}
		o.connectWait = d
	})
}

// WithNoConnect makes a manager whose nodes never connect: they get IDs and addresses, and
// configurations can be made of them and their set algebra used, but every request to them
// fails with Unavailable. It is for tests and for tools that only reason about configurations.
func WithNoConnect() Option {
	return optionFunc(func(o *options) { o.noConnect = true })
}

// WithNoBatching turns batched frames off: the manager's nodes neither announce them to their
// servers nor send them, so every request travels in a gRPC message of its own, as with
// Gorums v0.7. By default a node batches when its server confirms it can (both are Gorums of
// this version); see docs/architecture.md for the framing.
func WithNoBatching() Option {
	return optionFunc(func(o *options) { o.noBatching = true })
}

// WithReceiveWindow sets the flow-control window, in bytes, of each node's connection and
// stream for the replies that come to this client (default DefaultReceiveWindow). A set window
// is static. gRPC's dynamic window instead starts at 64 KiB and grows up to 16 MiB as gRPC
// measures the link, with a ping per round trip while replies come; for a stream of small
// messages those pings cost throughput (about 5% at one caller, on loopback). The client's
// receiver reads every reply as it comes, so the window is seldom in use. Size 0 gives gRPC's
// dynamic window back; sizes from 1 to 64 KiB are taken as 64 KiB, gRPC's least, and sizes
// above 2 GiB - 1 as 2 GiB - 1. A window set with WithGrpcDialOptions wins over this one.
func WithReceiveWindow(size uint32) Option {
	return optionFunc(func(o *options) { o.recvWindow = callproto.ReceiveWindow(size) })
}
