package benchmark

import (
	"math"
	"math/bits"
	"time"
)

// histSubBits sets the histogram's precision: each power of two is split into 2^histSubBits
// buckets, so a recorded value is known to within 1/64 (1.6%) of itself.
const histSubBits = 6

const (
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub // enough for every uint64
)

// Histogram counts durations in log-linear buckets: values below 64 ns exactly, larger ones to
// within 1.6%. Recording never allocates, so a caller can record inside a measured window. The
// zero value is empty and ready to use; a Histogram is not safe for concurrent use (each caller
// of a run records into its own, and Merge combines them afterwards).
type Histogram struct {
	counts [histBuckets]uint64
	total  uint64
	max    time.Duration
}

// bucketOf returns the bucket of v.
func bucketOf(v uint64) int {
	if v < histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1 // v>>shift is in [histSub, 2*histSub)
	return (shift+1)<<histSubBits + int(v>>shift) - histSub
}

// bucketRange returns the smallest and largest value of bucket i.
func bucketRange(i int) (lo, hi uint64) {
	if i < histSub {
		return uint64(i), uint64(i)
	}
	shift := i>>histSubBits - 1
	m := uint64(i&(histSub-1) + histSub)
	return m << shift, (m+1)<<shift - 1
}

// Record counts d; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.total++
	if d > h.max {
		h.max = d
	}
}

// Count returns how many durations were recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Max returns the largest duration recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.max = max(h.max, o.max)
}

// Quantile returns the duration below or at which a fraction q (0 < q <= 1) of the recorded
// durations lie: the middle of the bucket holding the ceil(q*Count())-th smallest duration,
// never above Max. An empty histogram returns 0.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q*float64(h.total) - 1e-9)) // robust to q*total being a hair above an integer
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			return min(time.Duration(lo+(hi-lo)/2), h.max)
		}
	}
	return h.max
}
