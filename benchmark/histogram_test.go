package benchmark

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	values := []uint64{0, 1, 63, 64, 65, 127, 128, 1000, 37_512, 1 << 40, 1<<63 - 1, 1<<64 - 1}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		values = append(values, r.Uint64()>>r.IntN(64))
	}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of range", v, i)
		}
		lo, hi := bucketRange(i)
		if v < lo || v > hi {
			t.Fatalf("%d in bucket %d = [%d, %d]", v, i, lo, hi)
		}
		if v < histSub && lo != hi {
			t.Fatalf("%d is below %d, yet its bucket [%d, %d] is not exact", v, histSub, lo, hi)
		}
		if width := hi - lo; float64(width) > float64(lo)/histSub {
			t.Fatalf("bucket [%d, %d] of %d is wider than 1/%d of its start", lo, hi, v, histSub)
		}
		if i > 0 {
			if _, prevHi := bucketRange(i - 1); prevHi+1 != lo {
				t.Fatalf("bucket %d starts at %d, bucket %d ends at %d: gap or overlap", i, lo, i-1, prevHi)
			}
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Count() != 0 {
		t.Fatal("an empty histogram must report 0")
	}
	for v := 1; v <= 1000; v++ { // 1µs .. 1ms, uniform
		h.Record(time.Duration(v) * time.Microsecond)
	}
	h.Record(-time.Second) // counts as 0
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.0009, 0}, // the negative one: the smallest of 1001
		{0.5, 500 * time.Microsecond},
		{0.9, 900 * time.Microsecond},
		{0.99, 990 * time.Microsecond},
		{1, time.Millisecond},
	}
	for _, tt := range tests {
		got := h.Quantile(tt.q)
		if diff := got - tt.want; diff < -tt.want/histSub || diff > tt.want/histSub {
			t.Errorf("Quantile(%v) = %v, want %v within 1/%d", tt.q, got, tt.want, histSub)
		}
	}
	if h.Count() != 1001 || h.Max() != time.Millisecond {
		t.Errorf("count %d, max %v", h.Count(), h.Max())
	}

	var a, b Histogram
	a.Record(10 * time.Microsecond)
	b.Record(20 * time.Microsecond)
	b.Record(30 * time.Microsecond)
	a.Merge(&b)
	if a.Count() != 3 || a.Max() != 30*time.Microsecond || a.Quantile(0.5) < 19*time.Microsecond || a.Quantile(0.5) > 21*time.Microsecond {
		t.Errorf("merged: count %d, max %v, median %v", a.Count(), a.Max(), a.Quantile(0.5))
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(100, func() { h.Record(12345) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}
