package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quorumcall/gorums/benchmark"
)

// key names one measured configuration: what all systems' runs of one row share.
type key struct {
	Bench   benchmark.Benchmark `json:"bench"`
	Servers int                 `json:"servers"`
	Quorum  int                 `json:"quorum"`
	Callers int                 `json:"callers"`
}

func (k key) String() string {
	return fmt.Sprintf("%s servers=%d quorum=%d callers=%d", k.Bench, k.Servers, k.Quorum, k.Callers)
}

// metrics are what one run measured, or the medians of several runs.
type metrics struct {
	OpsPerSec   float64       `json:"ops_per_sec"`
	P50         time.Duration `json:"p50_ns"`
	P90         time.Duration `json:"p90_ns"`
	P99         time.Duration `json:"p99_ns"`
	BytesPerOp  float64       `json:"bytes_per_op"`
	AllocsPerOp float64       `json:"allocs_per_op"`
	// ServerBytesPerOp and ServerAllocsPerOp are what the remote servers allocated per call,
	// summed over the servers (remote mode only: in local mode the servers share the process,
	// so BytesPerOp and AllocsPerOp include them).
	ServerBytesPerOp  float64 `json:"server_bytes_per_op,omitempty"`
	ServerAllocsPerOp float64 `json:"server_allocs_per_op,omitempty"`
	// Delivered is, for one-way calls, the messages the servers received per message sent
	// (warmup included); 1 means none was lost.
	Delivered float64 `json:"delivered,omitempty"`
}

// runResult is one run of one system.
type runResult struct {
	key
	System  benchmark.System `json:"system"`
	Rep     int              `json:"rep"`
	Ops     uint64           `json:"ops"`
	Seconds float64          `json:"seconds"`
	metrics
}

// ratio compares Gorums with one baseline: each field is the median over the repetitions of
// Gorums' value divided by the baseline's in the same repetition (0 where undefined).
type ratio struct {
	Ops    float64 `json:"ops_per_sec"`
	OpsMin float64 `json:"ops_per_sec_min"`
	OpsMax float64 `json:"ops_per_sec_max"`
	P50    float64 `json:"p50"`
	Allocs float64 `json:"allocs_per_op"`
}

// summary is one system's medians over the repetitions of one configuration, and for Gorums
// its ratios to the baselines.
type summary struct {
	key
	System benchmark.System `json:"system"`
	Reps   int              `json:"reps"`
	metrics
	Ratios map[benchmark.System]ratio `json:"ratios,omitempty"`
}

// median returns the median of xs (the mean of the middle two for an even count), or 0 for
// none. It does not modify xs.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// ratioOf returns a/b, or 0 if b is 0 (undefined: the baseline measured nothing).
func ratioOf(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// summarize groups runs by configuration and system, in the order the configurations first
// appear and with Gorums before the baselines, and computes medians and, for Gorums, the
// ratio to every baseline from the repetitions both ran.
func summarize(runs []runResult) []summary {
	var keys []key
	bySys := map[key]map[benchmark.System][]runResult{}
	for _, r := range runs {
		if bySys[r.key] == nil {
			keys = append(keys, r.key)
			bySys[r.key] = map[benchmark.System][]runResult{}
		}
		bySys[r.key][r.System] = append(bySys[r.key][r.System], r)
	}
	var out []summary
	for _, k := range keys {
		for _, sys := range benchmark.Systems {
			rs := bySys[k][sys]
			if len(rs) == 0 {
				continue
			}
			s := summary{key: k, System: sys, Reps: len(rs), metrics: medianMetrics(rs)}
			if sys == benchmark.Gorums {
				for _, base := range benchmark.Baselines {
					if bs := bySys[k][base]; len(bs) > 0 {
						if s.Ratios == nil {
							s.Ratios = map[benchmark.System]ratio{}
						}
						s.Ratios[base] = pairRatios(rs, bs)
					}
				}
			}
			out = append(out, s)
		}
	}
	return out
}

func medianMetrics(rs []runResult) metrics {
	field := func(f func(metrics) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r.metrics)
		}
		return median(xs)
	}
	return metrics{
		OpsPerSec:         field(func(m metrics) float64 { return m.OpsPerSec }),
		P50:               time.Duration(field(func(m metrics) float64 { return float64(m.P50) })),
		P90:               time.Duration(field(func(m metrics) float64 { return float64(m.P90) })),
		P99:               time.Duration(field(func(m metrics) float64 { return float64(m.P99) })),
		BytesPerOp:        field(func(m metrics) float64 { return m.BytesPerOp }),
		AllocsPerOp:       field(func(m metrics) float64 { return m.AllocsPerOp }),
		ServerBytesPerOp:  field(func(m metrics) float64 { return m.ServerBytesPerOp }),
		ServerAllocsPerOp: field(func(m metrics) float64 { return m.ServerAllocsPerOp }),
		Delivered:         field(func(m metrics) float64 { return m.Delivered }),
	}
}

// pairRatios compares ours with base repetition by repetition: only repetitions that both
// ran count, since neighbouring runs share the machine's state of the moment.
func pairRatios(ours, base []runResult) ratio {
	byRep := map[int]runResult{}
	for _, b := range base {
		byRep[b.Rep] = b
	}
	var ops, p50, allocs []float64
	for _, o := range ours {
		b, ok := byRep[o.Rep]
		if !ok {
			continue
		}
		if r := ratioOf(o.OpsPerSec, b.OpsPerSec); r > 0 {
			ops = append(ops, r)
		}
		if r := ratioOf(float64(o.P50), float64(b.P50)); r > 0 {
			p50 = append(p50, r)
		}
		if r := ratioOf(o.AllocsPerOp, b.AllocsPerOp); r > 0 {
			allocs = append(allocs, r)
		}
	}
	r := ratio{Ops: median(ops), P50: median(p50), Allocs: median(allocs)}
	if len(ops) > 0 {
		r.OpsMin, r.OpsMax = slices.Min(ops), slices.Max(ops)
	}
	return r
}

// header describes the conditions of a whole invocation; every output format begins with it.
type header struct {
	Mode       string   `json:"mode"` // "local" or "remote"
	Remotes    []string `json:"remotes,omitempty"`
	Payload    int      `json:"payload"`
	Window     int      `json:"window"`
	DelayNs    int64    `json:"delay_ns"`
	WarmupNs   int64    `json:"warmup_ns"`
	DurationNs int64    `json:"duration_ns"`
	Reps       int      `json:"reps"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	GoVersion  string   `json:"go_version"`
	Command    string   `json:"command"`
}

func (h header) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s servers, %d-byte payload, %v per run after %v warmup, %d interleaved repetitions (medians), GOMAXPROCS %d, %s",
		h.Mode, h.Payload, time.Duration(h.DurationNs), time.Duration(h.WarmupNs), h.Reps, h.GOMAXPROCS, h.GoVersion)
	return b.String()
}

// writeJSON writes rec, which marshals to a JSON object, as one line with "type": typ first.
func writeJSON(w io.Writer, typ string, rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	line := `{"type":"` + typ + `"`
	if len(b) > 2 {
		line += "," + string(b[1:])
	} else {
		line += "}"
	}
	_, err = fmt.Fprintln(w, line)
	return err
}

// writeTable writes the summaries as an aligned text table, one row per system, with
// Gorums' ratios to each baseline on its row.
func writeTable(w io.Writer, h header, sums []summary, baselines []benchmark.System) error {
	remote := h.Mode == "remote"
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
	cols := []string{"bench", "servers", "quorum", "callers", "system", "ops/s", "p50", "p90", "p99", "B/op", "allocs/op"}
	if remote {
		cols = append(cols, "srv B/op", "srv allocs/op")
	}
	for _, b := range baselines {
		cols = append(cols, "ops÷"+string(b), "allocs÷"+string(b))
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t")+"\t")
	for _, s := range sums {
		row := []string{string(s.Bench), fmt.Sprint(s.Servers), fmt.Sprint(s.Quorum), fmt.Sprint(s.Callers), string(s.System),
			fmtOps(s.OpsPerSec), fmtDur(s.P50), fmtDur(s.P90), fmtDur(s.P99), fmt.Sprintf("%.0f", s.BytesPerOp), fmt.Sprintf("%.1f", s.AllocsPerOp)}
		if remote {
			row = append(row, fmt.Sprintf("%.0f", s.ServerBytesPerOp), fmt.Sprintf("%.1f", s.ServerAllocsPerOp))
		}
		for _, b := range baselines {
			r, ok := s.Ratios[b]
			if !ok {
				row = append(row, "", "")
				continue
			}
			row = append(row, fmtRatio(r.Ops), fmtRatio(r.Allocs))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "# %s\n# %s\n", h.describe(), h.Command)
	for line := range strings.Lines(buf.String()) {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// writeMarkdown writes the summaries as a Markdown table, one row per configuration with every
// system side by side, as the README shows them.
func writeMarkdown(w io.Writer, h header, sums []summary, baselines []benchmark.System) error {
	fmt.Fprintf(w, "%s.\n\n`%s`\n\n", h.describe(), h.Command)
	systems := append([]benchmark.System{benchmark.Gorums}, baselines...)
	names := map[benchmark.System]string{benchmark.Gorums: "Gorums", benchmark.Unary: "unary fan-out", benchmark.Stream: "stream fan-out"}
	cols := []string{"benchmark", "servers, callers"}
	for _, sys := range systems {
		cols = append(cols, names[sys]+" ops/s")
	}
	for _, b := range baselines {
		cols = append(cols, "Gorums ÷ "+string(b))
	}
	var lat, allocs []string
	for _, sys := range systems {
		lat = append(lat, names[sys])
	}
	cols = append(cols, "p50 ("+strings.Join(lat, " / ")+")", "allocs/op (same order)")
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))

	byKey := map[key]map[benchmark.System]summary{}
	var keys []key
	for _, s := range sums {
		if byKey[s.key] == nil {
			byKey[s.key] = map[benchmark.System]summary{}
			keys = append(keys, s.key)
		}
		byKey[s.key][s.System] = s
	}
	for _, k := range keys {
		row := []string{string(k.Bench), fmt.Sprintf("%d, %d", k.Servers, k.Callers)}
		lat, allocs = lat[:0], allocs[:0]
		for _, sys := range systems {
			s, ok := byKey[k][sys]
			if !ok {
				row = append(row, "–")
				lat, allocs = append(lat, "–"), append(allocs, "–")
				continue
			}
			row = append(row, fmtOps(s.OpsPerSec))
			lat, allocs = append(lat, fmtDur(s.P50)), append(allocs, fmt.Sprintf("%.0f", s.AllocsPerOp))
		}
		g := byKey[k][benchmark.Gorums]
		for _, b := range baselines {
			if r, ok := g.Ratios[b]; ok {
				row = append(row, fmtRatio(r.Ops))
			} else {
				row = append(row, "–")
			}
		}
		row = append(row, strings.Join(lat, " / "), strings.Join(allocs, " / "))
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	return nil
}

// fmtOps formats a throughput with three significant digits: 950, 26.7k, 1.23M.
func fmtOps(v float64) string {
	switch {
	case v >= 999.5e3:
		return sig3(v/1e6) + "M"
	case v >= 999.5:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

// sig3 formats v (0 <= v < 999.5) with three significant digits.
func sig3(v float64) string {
	switch {
	case v >= 99.95:
		return fmt.Sprintf("%.0f", v)
	case v >= 9.995:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// fmtDur formats a latency with three significant digits in µs, ms or s.
func fmtDur(d time.Duration) string {
	switch {
	case d >= 999500*time.Microsecond:
		return sig3(d.Seconds()) + "s"
	case d >= 999500*time.Nanosecond:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	}
	return sig3(float64(d)/float64(time.Microsecond)) + "µs"
}

// fmtRatio formats a ratio with two decimals, or "–" where it is undefined.
func fmtRatio(r float64) string {
	if r == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}
