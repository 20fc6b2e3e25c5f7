package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/quorumcall/gorums/benchmark"
	"github.com/quorumcall/gorums/manager"
)

// Output formats.
const (
	formatTable    = "table"
	formatJSON     = "json"
	formatMarkdown = "markdown"
)

// Limits of the flags, so that a typo fails at once instead of exhausting the machine.
const (
	maxServers = 1000
	maxCallers = 10000
	maxWindow  = 1000
	maxPayload = 1 << 20 // gRPC refuses messages over 4 MiB by default
)

// config is what the flags ask for. In server mode (serve != "") only serve and quiet are set.
type config struct {
	serve string // -server: serve a benchmark server on this address instead of measuring

	remotes    []string // -remotes: measure these servers instead of in-process ones
	benches    []benchmark.Benchmark
	baselines  []benchmark.System
	servers    []int
	callers    []int
	quorum     int // 0: a majority of each server count
	payload    int
	window     int
	delay      time.Duration
	warmup     time.Duration
	duration   time.Duration
	reps       int
	format     string
	quiet      bool
	noBatching bool
	dynWindow  bool
	cpuprofile string
}

// remote reports whether the servers are remote ones.
func (c config) remote() bool { return len(c.remotes) > 0 }

// quorumFor returns the quorum size for n servers.
func (c config) quorumFor(n int) int {
	if c.quorum > 0 {
		return c.quorum
	}
	return n/2 + 1
}

const usageText = `usage:
  gorums-bench [flags]                        measure on in-process servers on loopback
  gorums-bench -remotes h:p,h:p,... [flags]   measure the benchmark servers at these addresses
  gorums-bench -server host:port              serve a benchmark server (Gorums and both gRPC
                                              baselines) until SIGINT or SIGTERM

Every run drives the benchmark in a closed loop: each caller makes its next call when the
previous one returned. Gorums and the baselines take turns, repetition by repetition, and each
ratio is the median of the per-repetition ratios. The command behind the README's table:

  gorums-bench -bench qc -servers 3,5,9 -callers 1,16 -payload 100 -reps 3 -format markdown

flags:
`

// parseConfig parses and checks the command line. Errors name the flag at fault.
func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("gorums-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	var (
		c         config
		remotes   = fs.String("remotes", "", "comma-separated `addresses` of benchmark servers started with -server; measure them instead of in-process servers")
		benches   = fs.String("bench", "qc,async,multicast,slow", "comma-separated benchmarks: qc (quorum call), async (async quorum call), multicast, slow (slow server whose handler calls Release)")
		baselines = fs.String("baselines", "unary,stream", "comma-separated gRPC baselines to compare with: unary (unary fan-out), stream (bidi-stream fan-out), or none")
		servers   = fs.String("servers", "", "comma-separated server `counts`; each count is a separate configuration (default 3, or every remote)")
		callers   = fs.String("callers", "1", "comma-separated `counts` of concurrent callers")
	)
	fs.StringVar(&c.serve, "server", "", "serve a benchmark server on this `address` (host:port) until SIGINT or SIGTERM")
	fs.IntVar(&c.quorum, "quorum", 0, "quorum size of the quorum calls (0: a majority of each server count)")
	fs.IntVar(&c.payload, "payload", 100, "request payload `bytes`; replies echo it")
	fs.IntVar(&c.window, "window", 4, "async quorum calls each caller keeps in flight")
	fs.DurationVar(&c.delay, "delay", 10*time.Millisecond, "how long the slow server's handlers work")
	fs.DurationVar(&c.warmup, "warmup", 200*time.Millisecond, "warmup before each measured run")
	fs.DurationVar(&c.duration, "duration", time.Second, "measured time of each run")
	fs.IntVar(&c.reps, "reps", 3, "interleaved repetitions of every run")
	fs.StringVar(&c.format, "format", formatTable, "output `format`: table, json (JSON lines) or markdown")
	fs.BoolVar(&c.quiet, "q", false, "no progress on stderr")
	fs.BoolVar(&c.noBatching, "nobatch", false, "Gorums without batched frames (gorums.WithNoBatching), as against a peer of another version")
	fs.BoolVar(&c.dynWindow, "dynwindow", false, "Gorums' client with gRPC's dynamic receive window (gorums.WithReceiveWindow(0)), as the baselines' clients have")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to this `file`")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	if c.serve != "" {
		var extra []string
		fs.Visit(func(f *flag.Flag) {
			if f.Name != "server" && f.Name != "q" {
				extra = append(extra, "-"+f.Name)
			}
		})
		if len(extra) > 0 {
			return config{}, fmt.Errorf("-server serves and measures nothing; it takes no %s", strings.Join(extra, ", "))
		}
		if _, _, err := net.SplitHostPort(c.serve); err != nil {
			return config{}, fmt.Errorf("-server %q: %v", c.serve, err)
		}
		return config{serve: c.serve, quiet: c.quiet}, nil
	}

	var err error
	if c.remotes, err = parseAddrs(*remotes); err != nil {
		return config{}, fmt.Errorf("-remotes: %w", err)
	}
	if c.benches, err = parseBenches(*benches); err != nil {
		return config{}, fmt.Errorf("-bench: %w", err)
	}
	if c.baselines, err = parseBaselines(*baselines); err != nil {
		return config{}, fmt.Errorf("-baselines: %w", err)
	}
	defaultServers := []int{3}
	if c.remote() {
		defaultServers = []int{len(c.remotes)}
	}
	maxN := maxServers
	if c.remote() {
		maxN = len(c.remotes)
	}
	if c.servers, err = parseCounts(*servers, defaultServers, 1, maxN); err != nil {
		if c.remote() {
			return config{}, fmt.Errorf("-servers: %w (there are %d remotes)", err, len(c.remotes))
		}
		return config{}, fmt.Errorf("-servers: %w", err)
	}
	if c.callers, err = parseCounts(*callers, nil, 1, maxCallers); err != nil {
		return config{}, fmt.Errorf("-callers: %w", err)
	}
	if minServers := slices.Min(c.servers); c.quorum < 0 || c.quorum > minServers {
		return config{}, fmt.Errorf("-quorum %d: want 0 (majority) or 1 to %d, the smallest server count", c.quorum, minServers)
	}
	switch {
	case c.payload < 0 || c.payload > maxPayload:
		return config{}, fmt.Errorf("-payload %d: want 0 to %d bytes", c.payload, maxPayload)
	case c.window < 1 || c.window > maxWindow:
		return config{}, fmt.Errorf("-window %d: want 1 to %d", c.window, maxWindow)
	case c.delay < 0:
		return config{}, fmt.Errorf("-delay %v: want 0 or more", c.delay)
	case c.warmup < 0:
		return config{}, fmt.Errorf("-warmup %v: want 0 or more", c.warmup)
	case c.duration <= 0:
		return config{}, fmt.Errorf("-duration %v: want more than 0", c.duration)
	case c.reps < 1:
		return config{}, fmt.Errorf("-reps %d: want 1 or more", c.reps)
	case c.inFlight() > manager.MaxSendBufferSize:
		return config{}, fmt.Errorf("-callers %d with -window %d: %d calls in flight; a Gorums client queues at most %d messages per node (manager.MaxSendBufferSize)",
			slices.Max(c.callers), c.window, c.inFlight(), manager.MaxSendBufferSize)
	}
	switch c.format {
	case formatTable, formatJSON, formatMarkdown:
	default:
		return config{}, fmt.Errorf("-format %q: want table, json or markdown", c.format)
	}
	return c, nil
}

// inFlight is the most calls the benchmarks asked for keep in flight at once: the largest
// caller count, times the window if an async benchmark runs. Each is a message queued for each
// node at worst, so Gorums' client queues that many per node (gorums.WithSendBufferSize).
func (c config) inFlight() int {
	n := slices.Max(c.callers)
	if slices.Contains(c.benches, benchmark.AsyncQuorumCall) {
		n *= c.window
	}
	return n
}

// splitList splits a comma-separated list, dropping spaces around the items.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	items := strings.Split(s, ",")
	for i := range items {
		items[i] = strings.TrimSpace(items[i])
	}
	return items
}

// parseCounts parses a list of distinct integers in [lo, hi]; an empty list gives def.
func parseCounts(s string, def []int, lo, hi int) ([]int, error) {
	items := splitList(s)
	if len(items) == 0 {
		if def == nil {
			return nil, errors.New("empty list")
		}
		return def, nil
	}
	var counts []int
	for _, item := range items {
		n, err := strconv.Atoi(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", item)
		}
		if n < lo || n > hi {
			return nil, fmt.Errorf("%d: want %d to %d", n, lo, hi)
		}
		if slices.Contains(counts, n) {
			return nil, fmt.Errorf("%d given twice", n)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

// parseAddrs parses a list of distinct host:port addresses.
func parseAddrs(s string) ([]string, error) {
	var addrs []string
	for _, a := range splitList(s) {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("%q: %v", a, err)
		}
		if slices.Contains(addrs, a) {
			return nil, fmt.Errorf("%q given twice", a)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

func parseBenches(s string) ([]benchmark.Benchmark, error) {
	var benches []benchmark.Benchmark
	for _, name := range splitList(s) {
		b, err := benchmark.ParseBenchmark(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(benches, b) {
			benches = append(benches, b)
		}
	}
	if len(benches) == 0 {
		return nil, errors.New("no benchmark")
	}
	return benches, nil
}

func parseBaselines(s string) ([]benchmark.System, error) {
	if strings.TrimSpace(s) == "none" {
		return nil, nil
	}
	names := splitList(s)
	if len(names) == 0 {
		return nil, errors.New("no baseline (have unary, stream, none)")
	}
	var systems []benchmark.System
	for _, name := range names {
		sys, err := benchmark.ParseSystem(name)
		if err != nil || sys == benchmark.Gorums {
			return nil, fmt.Errorf("unknown baseline %q (have unary, stream, none)", name)
		}
		if !slices.Contains(systems, sys) {
			systems = append(systems, sys)
		}
	}
	return systems, nil
}
