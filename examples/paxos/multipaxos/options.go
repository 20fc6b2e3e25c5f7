package multipaxos

import "time"

// Defaults of the replica's options, all in one place.
const (
	// DefaultProposeTimeout bounds how long a replica tries to decide a proposal before it
	// answers the client with an error.
	DefaultProposeTimeout = 10 * time.Second
	// DefaultMaxBackoff bounds the random wait of a proposer whose ballot was beaten before
	// it tries again; the waits grow from a millisecond, so that dueling proposers drift
	// apart and one of them wins.
	DefaultMaxBackoff = 50 * time.Millisecond
)

type options struct {
	proposeTimeout time.Duration
	maxBackoff     time.Duration
}

func defaultOptions() options {
	return options{proposeTimeout: DefaultProposeTimeout, maxBackoff: DefaultMaxBackoff}
}

// Option configures a Replica.
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithProposeTimeout sets how long a replica tries to decide a proposal (default
// DefaultProposeTimeout). A value of 0 or less is taken as the default.
func WithProposeTimeout(d time.Duration) Option {
	return optionFunc(func(o *options) {
		if d <= 0 {
			d = DefaultProposeTimeout
		}
		o.proposeTimeout = d
	})
}

// WithMaxBackoff bounds the random wait before a beaten proposer tries again (default
// DefaultMaxBackoff). A value of 0 or less is taken as the default.
func WithMaxBackoff(d time.Duration) Option {
	return optionFunc(func(o *options) {
		if d <= 0 {
			d = DefaultMaxBackoff
		}
		o.maxBackoff = d
	})
}
