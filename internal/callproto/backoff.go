package callproto

import (
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/backoff"
)

// backoffDelay is the wait before reconnection attempt number attempt (1 for the first retry),
// computed as gRPC computes its own: BaseDelay·Multiplier^(attempt-1), capped at MaxDelay, then
// spread by ±Jitter.
func backoffDelay(cfg backoff.Config, attempt int) time.Duration {
	if attempt < 1 {
		return 0
	}
	d := float64(cfg.BaseDelay)
	for i := 1; i < attempt && d < float64(cfg.MaxDelay); i++ {
		d *= cfg.Multiplier
	}
	if max := float64(cfg.MaxDelay); d > max {
		d = max
	}
	d *= 1 + cfg.Jitter*(rand.Float64()*2-1)
	if d < 0 {
		return 0
	}
	return time.Duration(d)
}
