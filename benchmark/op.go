package benchmark

import (
	"context"
	"errors"
	"fmt"
	"strings"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// Benchmark names one of the measured workloads, those of the original Gorums benchmarks.
type Benchmark string

const (
	// QuorumCall is a quorum call whose servers echo the request.
	QuorumCall Benchmark = "qc"
	// AsyncQuorumCall is the same quorum call started asynchronously; each caller keeps
	// Load.Window calls in flight.
	AsyncQuorumCall Benchmark = "async"
	// Multicast is a one-way message to every server, which counts it.
	Multicast Benchmark = "multicast"
	// SlowServer is a quorum call whose handlers work for Load.Delay; Gorums' handler calls
	// Release first, so that the stream's next request is handled meanwhile.
	SlowServer Benchmark = "slow"
)

// Benchmarks lists every benchmark, in the order a run takes them.
var Benchmarks = []Benchmark{QuorumCall, AsyncQuorumCall, Multicast, SlowServer}

// System names an implementation of the benchmarks.
type System string

const (
	// Gorums is the generated Gorums client.
	Gorums System = "gorums"
	// Unary is the hand-written gRPC unary fan-out: a unary call to every server, each in its
	// own goroutine, returning at a quorum.
	Unary System = "unary"
	// Stream is the hand-written gRPC bidi-stream fan-out: one long-lived stream per server and
	// replies routed to calls by ID (for Multicast, one client stream per server).
	Stream System = "stream"
)

// Systems lists every system, Gorums first.
var Systems = []System{Gorums, Unary, Stream}

// Baselines lists the hand-written gRPC systems Gorums is compared with.
var Baselines = []System{Unary, Stream}

// ErrUnsupported is returned by Target.Op for a benchmark a system does not do: gRPC has no
// one-way unary call, so Unary has no Multicast.
var ErrUnsupported = errors.New("benchmark not supported by this system")

// Supports reports whether sys does bench.
func Supports(sys System, bench Benchmark) bool {
	return !(sys == Unary && bench == Multicast)
}

// ParseBenchmark returns the benchmark named s.
func ParseBenchmark(s string) (Benchmark, error) {
	for _, b := range Benchmarks {
		if string(b) == s {
			return b, nil
		}
	}
	return "", fmt.Errorf("unknown benchmark %q (have %s)", s, joinNames(Benchmarks))
}

// ParseSystem returns the system named s.
func ParseSystem(s string) (System, error) {
	for _, sys := range Systems {
		if string(sys) == s {
			return sys, nil
		}
	}
	return "", fmt.Errorf("unknown system %q (have %s)", s, joinNames(Systems))
}

func joinNames[T ~string](names []T) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}

// Call makes one call and returns its reply (nil for a one-way call).
type Call func(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error)

// Future is a started call; Get waits for its reply. Run calls Get once per future.
type Future interface {
	Get() (*benchpb.Echo, error)
}

// Start starts one call.
type Start func(ctx context.Context, in *benchpb.Echo) Future

// Op is what one system does for one benchmark: exactly one of Call and Start is set.
type Op struct {
	// Call is the closed-loop operation.
	Call Call
	// Start is the asynchronous operation, for AsyncQuorumCall.
	Start Start
	// OneWay is set when Call returns no reply.
	OneWay bool
	// Finish, if set, must be called once after the op's last call: it returns how many
	// messages the servers have received since the op was made, summed over the servers, and
	// releases what the op holds.
	Finish func(ctx context.Context) (delivered uint64, err error)
}
