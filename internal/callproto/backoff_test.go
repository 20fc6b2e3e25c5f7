package callproto

import (
	"testing"
	"time"

	"google.golang.org/grpc/backoff"
)

func TestBackoffDelayGrowsAndIsCapped(t *testing.T) {
	cfg := backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 2, Jitter: 0, MaxDelay: time.Second}
	want := []time.Duration{
		100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
		time.Second, time.Second, time.Second,
	}
	for i, w := range want {
		if got := backoffDelay(cfg, i+1); got != w {
			t.Errorf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
	if got := backoffDelay(cfg, 1000); got != time.Second {
		t.Errorf("attempt 1000: %v, want the cap", got)
	}
}

func TestBackoffDelayBeforeFirstAttempt(t *testing.T) {
	for _, attempt := range []int{0, -1, -100} {
		if got := backoffDelay(backoff.DefaultConfig, attempt); got != 0 {
			t.Errorf("attempt %d: %v, want 0", attempt, got)
		}
	}
}

func TestBackoffJitterBounds(t *testing.T) {
	cfg := backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 5 * time.Second}
	for _, tc := range []struct {
		attempt int
		base    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 160 * time.Millisecond},
		{100, 5 * time.Second},
	} {
		lo := time.Duration(float64(tc.base) * 0.8)
		hi := time.Duration(float64(tc.base) * 1.2)
		var min, max time.Duration
		for i := range 2000 {
			d := backoffDelay(cfg, tc.attempt)
			if d < lo-1 || d > hi+1 {
				t.Fatalf("attempt %d: %v outside [%v, %v]", tc.attempt, d, lo, hi)
			}
			if i == 0 || d < min {
				min = d
			}
			if d > max {
				max = d
			}
		}
		if min == max {
			t.Errorf("attempt %d: no jitter, always %v", tc.attempt, min)
		}
	}
}
