package gorumstest

import (
	"time"

	"google.golang.org/grpc/backoff"

	"github.com/quorumcall/gorums/replica"
)

// Defaults of the cluster's options, all in one place.
const (
	// DefaultBufconnSize is the buffer of each in-memory connection made with WithBufconn.
	DefaultBufconnSize = 1 << 20
	// DefaultRestartTimeout bounds how long Restart retries listening on a loopback address
	// that the stopped server's connections still hold.
	DefaultRestartTimeout = 10 * time.Second
)

// Backoff is the reconnect backoff of the managers this package configures: a stopped and
// restarted server is found again within a few tens of milliseconds.
var Backoff = backoff.Config{
	BaseDelay:  10 * time.Millisecond,
	Multiplier: 1.6,
	Jitter:     0.2,
	MaxDelay:   100 * time.Millisecond,
}

type options struct {
	bufconn     bool
	bufconnSize int
	replicaOpts []replica.Option
}

func defaultOptions() options {
	return options{bufconnSize: DefaultBufconnSize}
}

// Option configures NewCluster.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithBufconn makes the cluster's servers listen in memory (grpc's bufconn) instead of on
// loopback TCP ports. Their addresses are then placeholders that no real network reaches:
// clients must dial with the cluster's DialOptions (ManagerOptions includes them).
func WithBufconn() Option {
	return optionFunc(func(o *options) { o.bufconn = true })
}

// WithReplicaOptions adds options of the replicas that NewReplicas starts, after the ones it
// sets itself (transport credentials, the quick Backoff and, with WithBufconn, the dialer).
// Clusters of plain servers ignore it.
func WithReplicaOptions(opts ...replica.Option) Option {
	return optionFunc(func(o *options) { o.replicaOpts = append(o.replicaOpts, opts...) })
}
