package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tiny are the flags that make a run short: the tests check shape and sanity, never timing.
var tiny = []string{"-duration", "20ms", "-warmup", "5ms", "-reps", "2", "-delay", "1ms", "-window", "2", "-payload", "32"}

// line is one JSON output line with the fields the tests check.
type line struct {
	Type    string  `json:"type"`
	Mode    string  `json:"mode"`
	Bench   string  `json:"bench"`
	System  string  `json:"system"`
	Servers int     `json:"servers"`
	Quorum  int     `json:"quorum"`
	Callers int     `json:"callers"`
	Rep     int     `json:"rep"`
	Reps    int     `json:"reps"`
	Ops     uint64  `json:"ops"`
	OpsSec  float64 `json:"ops_per_sec"`
	P50     int64   `json:"p50_ns"`
	P90     int64   `json:"p90_ns"`
	P99     int64   `json:"p99_ns"`
	Bytes   float64 `json:"bytes_per_op"`
	Allocs  float64 `json:"allocs_per_op"`
	SrvAll  float64 `json:"server_allocs_per_op"`
	Deliv   float64 `json:"delivered"`
	Ratios  map[string]struct {
		Ops    float64 `json:"ops_per_sec"`
		Allocs float64 `json:"allocs_per_op"`
	} `json:"ratios"`
}

func parseLines(t *testing.T, out string) []line {
	t.Helper()
	var lines []line
	for l := range strings.Lines(out) {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		lines = append(lines, x)
	}
	return lines
}

// checkJSON checks the JSON output of a run of every benchmark on the given server and caller
// counts with both baselines.
func checkJSON(t *testing.T, out, mode string, servers, callers []int) {
	t.Helper()
	lines := parseLines(t, out)
	if len(lines) == 0 || lines[0].Type != "config" || lines[0].Mode != mode {
		t.Fatalf("first line %+v, want the %s config", lines[0], mode)
	}
	// per server and caller count: qc, async and slow on 3 systems, multicast on 2
	wantRuns := len(servers) * len(callers) * 2 * (3 + 3 + 3 + 2)
	wantSums := len(servers) * len(callers) * (3 + 3 + 3 + 2)
	var runs, sums int
	for _, l := range lines[1:] {
		switch l.Type {
		case "run":
			runs++
			if l.Ops == 0 || l.OpsSec <= 0 || l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.Allocs <= 0 || l.Bytes <= 0 {
				t.Errorf("implausible run %+v", l)
			}
			if l.Quorum != l.Servers/2+1 {
				t.Errorf("quorum %d of %d servers, want a majority", l.Quorum, l.Servers)
			}
			if l.Bench == "multicast" && l.Deliv != 1 {
				t.Errorf("%s multicast delivered %v of the messages, want all", l.System, l.Deliv)
			}
			if l.Bench != "multicast" && l.Deliv != 0 {
				t.Errorf("delivered reported for %s", l.Bench)
			}
			if l.Bench == "slow" && l.P50 < int64(time.Millisecond) {
				t.Errorf("slow server p50 %v below the 1ms delay", time.Duration(l.P50))
			}
			if (mode == "remote") != (l.SrvAll > 0) {
				t.Errorf("%s mode with server allocs/op %v", mode, l.SrvAll)
			}
		case "summary":
			sums++
			if l.Reps != 2 {
				t.Errorf("summary of %d reps, want 2", l.Reps)
			}
			wantRatios := 0
			if l.System == "gorums" {
				wantRatios = 2
				if l.Bench == "multicast" {
					wantRatios = 1 // gRPC has no one-way unary call
				}
			}
			if len(l.Ratios) != wantRatios {
				t.Errorf("%s %s: ratios %v, want %d", l.Bench, l.System, l.Ratios, wantRatios)
			}
			for b, r := range l.Ratios {
				if r.Ops <= 0 || r.Allocs <= 0 {
					t.Errorf("ratio to %s %+v", b, r)
				}
			}
		default:
			t.Errorf("line of type %q", l.Type)
		}
	}
	if runs != wantRuns || sums != wantSums {
		t.Errorf("%d runs and %d summaries, want %d and %d", runs, sums, wantRuns, wantSums)
	}
}

func TestLocalEveryBenchmark(t *testing.T) {
	var stdout, stderr strings.Builder
	args := append([]string{"-servers", "1,3", "-callers", "1,3", "-format", "json"}, tiny...)
	if err := run(t.Context(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	checkJSON(t, stdout.String(), "local", []int{1, 3}, []int{1, 3})
	if !strings.Contains(stderr.String(), "[88/88] slow servers=3 quorum=2 callers=3 rep 2/2") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
}

func TestLocalTableAndMarkdown(t *testing.T) {
	for _, format := range []string{formatTable, formatMarkdown} {
		t.Run(format, func(t *testing.T) {
			var stdout strings.Builder
			args := append([]string{"-bench", "qc,multicast", "-servers", "3", "-callers", "2", "-format", format, "-q"}, tiny...)
			var stderr strings.Builder
			if err := run(t.Context(), args, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			if stderr.Len() > 0 {
				t.Errorf("-q, yet stderr has %q", stderr.String())
			}
			out := stdout.String()
			var rows []string
			for l := range strings.Lines(out) {
				if strings.Contains(l, "multicast") || regexp.MustCompile(`\bqc\b`).MatchString(l) {
					rows = append(rows, l)
				}
			}
			want := 5 // table: qc on 3 systems, multicast on 2
			if format == formatMarkdown {
				want = 2 // one row per configuration
			}
			// the header's command line names qc and multicast too
			if len(rows) != want+1 {
				t.Errorf("%d rows, want %d:\n%s", len(rows)-1, want, out)
			}
			if !strings.Contains(out, "local servers, 32-byte payload, 20ms per run after 5ms warmup, 2 interleaved repetitions") {
				t.Errorf("no header:\n%s", out)
			}
		})
	}
}

// lineWriter sends each line written to it on lines; it drops lines nobody waits for.
type lineWriter struct {
	w     *io.PipeWriter
	lines chan string
	done  chan struct{}
}

func newLineWriter() *lineWriter {
	r, w := io.Pipe()
	lw := &lineWriter{w: w, lines: make(chan string, 100), done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		s := bufio.NewScanner(r)
		for s.Scan() {
			select {
			case lw.lines <- s.Text():
			default:
			}
		}
	}()
	return lw
}

func (lw *lineWriter) Write(p []byte) (int, error) { return lw.w.Write(p) }

func (lw *lineWriter) Close() {
	_ = lw.w.Close()
	<-lw.done
}

// waitForLine waits for a line that contains s.
func waitForLine(t *testing.T, lw *lineWriter, s string) {
	t.Helper()
	timeout := time.After(time.Minute) // a deadline for a hang, not a timing goal
	for {
		select {
		case l := <-lw.lines:
			if strings.Contains(l, s) {
				return
			}
		case <-timeout:
			t.Fatalf("no line with %q", s)
		}
	}
}

// startServers runs n "gorums-bench -server 127.0.0.1:0" in this process and returns their
// addresses, read from their first line on stderr. They stop in t's cleanup.
func startServers(t *testing.T, n int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, n)
	var addrs []string
	re := regexp.MustCompile(`serving on (127\.0\.0\.1:\d+) `)
	for range n {
		lw := newLineWriter()
		go func() { errs <- run(ctx, []string{"-server", "127.0.0.1:0"}, io.Discard, lw) }()
		t.Cleanup(lw.Close) // after the server below has stopped: cleanups run last first
		select {
		case l := <-lw.lines:
			m := re.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("first line %q does not say where the server listens", l)
			}
			addrs = append(addrs, m[1])
		case err := <-errs:
			t.Fatalf("server: %v", err)
		}
	}
	t.Cleanup(func() {
		cancel()
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("server: %v", err)
			}
		}
	})
	return addrs
}

func TestRemoteEveryBenchmark(t *testing.T) {
	addrs := startServers(t, 3)
	var stdout, stderr strings.Builder
	args := append([]string{"-remotes", strings.Join(addrs, ","), "-servers", "2,3", "-callers", "2", "-format", "json"}, tiny...)
	if err := run(t.Context(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	checkJSON(t, stdout.String(), "remote", []int{2, 3}, []int{2})
	if !strings.Contains(stderr.String(), "2 servers: "+addrs[0]+", "+addrs[1]) {
		t.Errorf("stderr does not name the first two remotes:\n%s", stderr.String())
	}

	stdout.Reset()
	args = append([]string{"-remotes", strings.Join(addrs, ","), "-bench", "qc", "-q"}, tiny...)
	if err := run(t.Context(), args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "srv allocs/op") || !strings.Contains(stdout.String(), "# remote servers") {
		t.Errorf("remote table:\n%s", stdout.String())
	}
}

// TestMoreCallsInFlightThanTheDefaultQueue runs more calls at once than a node's mailbox holds by
// default (1024): the tool gives Gorums' client room for all that its flags allow.
func TestMoreCallsInFlightThanTheDefaultQueue(t *testing.T) {
	var stdout, stderr strings.Builder
	args := []string{"-bench", "async,qc", "-servers", "3", "-callers", "1000", "-window", "4", "-baselines", "none",
		"-duration", "20ms", "-warmup", "0", "-reps", "1", "-format", "json"}
	if err := run(t.Context(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	runs := 0
	for _, l := range parseLines(t, stdout.String()) {
		if l.Type == "run" {
			runs++
			if l.Callers != 1000 || l.Ops < 1000 {
				t.Errorf("%s: %d callers made %d calls, want 1000 making one each at least", l.Bench, l.Callers, l.Ops)
			}
		}
	}
	if runs != 2 {
		t.Errorf("%d runs, want 2 (async and qc)", runs)
	}
}

// TestInterruptEndsOneWayRun interrupts a long multicast run: its callers, whose one-way calls
// never fail, stop at once instead of at the end of the measured window.
func TestInterruptEndsOneWayRun(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	errInterrupt := errors.New("interrupted by the test")
	lw := newLineWriter()
	t.Cleanup(lw.Close)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-bench", "multicast", "-servers", "1", "-baselines", "stream", "-duration", "1h", "-warmup", "0", "-reps", "1"}, io.Discard, lw)
	}()
	waitForLine(t, lw, " calls in ") // the measured window's progress: its callers call
	cancel(errInterrupt)
	select {
	case err := <-done:
		if !errors.Is(err, errInterrupt) {
			t.Fatalf("err = %v, want the interrupt", err)
		}
	case <-time.After(time.Minute): // a deadline for a hang, not a timing goal
		t.Fatal("the interrupted run goes on")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	err := run(t.Context(), []string{"-servers", "0"}, io.Discard, io.Discard)
	var usage usageError
	if !errors.As(err, &usage) {
		t.Fatalf("err = %v, want a usage error", err)
	}
	if err := run(t.Context(), []string{"-server", "127.0.0.1:-1"}, io.Discard, io.Discard); err == nil {
		t.Fatal("serving on a bad port succeeded")
	}
}
