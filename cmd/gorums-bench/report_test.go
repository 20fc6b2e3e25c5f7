package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/quorumcall/gorums/benchmark"
)

func TestPlanInterleaves(t *testing.T) {
	c := config{
		benches:   []benchmark.Benchmark{benchmark.QuorumCall, benchmark.Multicast},
		baselines: benchmark.Baselines,
		servers:   []int{3, 5},
		callers:   []int{1, 16},
		reps:      3,
	}
	steps := plan(c)
	// qc: 3 systems, multicast: 2 (no unary one-way), each 2 server counts x 2 callers x 3 reps.
	if want := 2 * 2 * 3 * (3 + 2); len(steps) != want {
		t.Fatalf("%d steps, want %d", len(steps), want)
	}
	order := func(k key) string {
		var s []string
		for _, st := range steps {
			if st.key == k {
				s = append(s, string(st.System)[:1]+string('0'+rune(st.Rep)))
			}
		}
		return strings.Join(s, " ")
	}
	if got, want := order(key{benchmark.QuorumCall, 3, 2, 16}), "g1 u1 s1 u2 s2 g2 s3 g3 u3"; got != want {
		t.Errorf("qc order %q, want %q", got, want)
	}
	if got, want := order(key{benchmark.Multicast, 5, 3, 1}), "g1 s1 s2 g2 g3 s3"; got != want {
		t.Errorf("multicast order %q, want %q", got, want)
	}
	for i := 1; i < len(steps); i++ { // one server count at a time, so servers start once per count
		if steps[i].Servers < steps[i-1].Servers {
			t.Fatalf("step %d goes back to %d servers", i, steps[i].Servers)
		}
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5, 5, 1}, 5},
	}
	for _, tt := range tests {
		in := append([]float64(nil), tt.xs...)
		if got := median(tt.xs); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
		}
		for i := range in {
			if in[i] != tt.xs[i] {
				t.Fatalf("median modified its input")
			}
		}
	}
}

func run3(sys benchmark.System, rep int, ops float64, p50 time.Duration, allocs float64) runResult {
	return runResult{key: key{benchmark.QuorumCall, 3, 2, 1}, System: sys, Rep: rep,
		metrics: metrics{OpsPerSec: ops, P50: p50, P90: 2 * p50, P99: 3 * p50, AllocsPerOp: allocs, BytesPerOp: 10 * allocs}}
}

func TestPairRatios(t *testing.T) {
	g, s := benchmark.Gorums, benchmark.Stream
	tests := []struct {
		name       string
		ours, base []runResult
		want       ratio
	}{
		{"per repetition, then the median",
			[]runResult{run3(g, 1, 100, 10, 50), run3(g, 2, 90, 10, 50), run3(g, 3, 300, 10, 50)},
			[]runResult{run3(s, 1, 50, 20, 100), run3(s, 2, 100, 10, 50), run3(s, 3, 100, 5, 25)},
			// ops ratios 2, 0.9, 3; p50 ratios 0.5, 1, 2; allocs ratios 0.5, 1, 2
			ratio{Ops: 2, OpsMin: 0.9, OpsMax: 3, P50: 1, Allocs: 1}},
		{"only repetitions both ran",
			[]runResult{run3(g, 1, 100, 10, 50), run3(g, 2, 1000, 10, 50)},
			[]runResult{run3(s, 1, 50, 10, 50)},
			ratio{Ops: 2, OpsMin: 2, OpsMax: 2, P50: 1, Allocs: 1}},
		{"a baseline that measured nothing gives no ratio",
			[]runResult{run3(g, 1, 100, 10, 50)},
			[]runResult{run3(s, 1, 0, 0, 0)},
			ratio{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pairRatios(tt.ours, tt.base); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	g, u, s := benchmark.Gorums, benchmark.Unary, benchmark.Stream
	other := key{benchmark.QuorumCall, 3, 2, 16}
	runs := []runResult{
		run3(s, 1, 40, 25, 100), run3(g, 1, 100, 10, 50), run3(u, 1, 25, 40, 400),
		run3(g, 2, 80, 12, 52), run3(u, 2, 20, 50, 410), run3(s, 2, 40, 20, 100),
		{key: other, System: g, Rep: 1, metrics: metrics{OpsPerSec: 7}},
	}
	sums := summarize(runs)
	if len(sums) != 4 {
		t.Fatalf("%d summaries, want 4: %+v", len(sums), sums)
	}
	if sums[0].System != g || sums[1].System != u || sums[2].System != s || sums[3].key != other {
		t.Fatalf("order %v %v %v %v: want gorums, unary, stream, then the next configuration", sums[0].System, sums[1].System, sums[2].System, sums[3].key)
	}
	ours := sums[0]
	if ours.Reps != 2 || ours.OpsPerSec != 90 || ours.P50 != 11 || ours.AllocsPerOp != 51 || ours.P99 != 33 {
		t.Errorf("gorums medians %+v", ours)
	}
	if r := ours.Ratios[u]; r.Ops != 4 || r.OpsMin != 4 || r.OpsMax != 4 {
		t.Errorf("ratio to unary %+v, want 4 (100/25 and 80/20)", r)
	}
	if r := ours.Ratios[s]; r.Ops != 2.25 || r.OpsMin != 2 || r.OpsMax != 2.5 {
		t.Errorf("ratio to stream %+v, want median of 2.5 and 2", r)
	}
	if sums[1].Ratios != nil || sums[3].Ratios != nil {
		t.Error("only Gorums rows with baselines have ratios")
	}
}

func TestFormats(t *testing.T) {
	tests := []struct{ got, want string }{
		{fmtOps(0), "0.00"},
		{fmtOps(950), "950"},
		{fmtOps(999.4), "999"},
		{fmtOps(999.6), "1.00k"},
		{fmtOps(26_749), "26.7k"},
		{fmtOps(123_456), "123k"},
		{fmtOps(1_234_567), "1.23M"},
		{fmtDur(0), "0.00µs"},
		{fmtDur(37_512 * time.Nanosecond), "37.5µs"},
		{fmtDur(999 * time.Microsecond), "999µs"},
		{fmtDur(999_700 * time.Nanosecond), "1.00ms"},
		{fmtDur(10_240 * time.Microsecond), "10.2ms"},
		{fmtDur(1500 * time.Millisecond), "1.50s"},
		{fmtRatio(0.8449), "0.84"},
		{fmtRatio(0), "–"},
		{fmtRatio(math.Inf(1)), "–"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b strings.Builder
	r := run3(benchmark.Gorums, 2, 100, 10*time.Microsecond, 50)
	if err := writeJSON(&b, "run", r); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(&b, "config", struct{}{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || lines[1] != `{"type":"config"}` {
		t.Fatalf("lines %q", lines)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"type": "run", "bench": "qc", "servers": 3.0, "quorum": 2.0, "callers": 1.0, "system": "gorums",
		"rep": 2.0, "ops_per_sec": 100.0, "p50_ns": 10000.0, "allocs_per_op": 50.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v in %s", k, got[k], v, lines[0])
		}
	}
	if _, ok := got["delivered"]; ok {
		t.Errorf("delivered is only for one-way calls: %s", lines[0])
	}
}

func TestWriteTables(t *testing.T) {
	g, u, s := benchmark.Gorums, benchmark.Unary, benchmark.Stream
	sums := summarize([]runResult{run3(g, 1, 26_700, 37*time.Microsecond, 80), run3(u, 1, 10_000, 90*time.Microsecond, 400), run3(s, 1, 31_600, 30*time.Microsecond, 80)})
	h := header{Mode: "local", Payload: 100, Reps: 1, GOMAXPROCS: 2, GoVersion: "go", Command: "gorums-bench -bench qc"}

	var table strings.Builder
	if err := writeTable(&table, h, sums, benchmark.Baselines); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 2+1+3 {
		t.Fatalf("table:\n%s", table.String())
	}
	if !strings.HasPrefix(lines[1], "# gorums-bench -bench qc") || !strings.Contains(lines[2], "ops÷stream") || strings.Contains(lines[2], "srv") {
		t.Errorf("table header:\n%s", table.String())
	}
	if f := strings.Fields(lines[3]); f[4] != "gorums" || f[5] != "26.7k" || f[len(f)-4] != "2.67" || f[len(f)-2] != "0.84" {
		t.Errorf("gorums row %q", lines[3])
	}
	for _, l := range lines {
		if strings.HasSuffix(l, " ") {
			t.Errorf("trailing space in %q", l)
		}
	}

	var md strings.Builder
	if err := writeMarkdown(&md, h, sums, benchmark.Baselines); err != nil {
		t.Fatal(err)
	}
	want := "| qc | 3, 1 | 26.7k | 10.0k | 31.6k | 2.67 | 0.84 | 37.0µs / 90.0µs / 30.0µs | 80 / 400 / 80 |"
	if !strings.Contains(md.String(), want) || !strings.Contains(md.String(), "`gorums-bench -bench qc`") {
		t.Errorf("markdown lacks %q:\n%s", want, md.String())
	}
}
