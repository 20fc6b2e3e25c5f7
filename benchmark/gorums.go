package benchmark

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// dialTimeout bounds how long a client waits for the servers to accept its connections.
const dialTimeout = 10 * time.Second

// dialTimeoutFor returns dialTimeout, or less if ctx ends sooner.
func dialTimeoutFor(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return max(min(dialTimeout, time.Until(dl)), time.Millisecond)
	}
	return dialTimeout
}

// quorumSpec is the Gorums client's QuorumSpec: every quorum function returns a reply once q
// servers replied.
type quorumSpec struct{ q int }

func (s quorumSpec) anyOfQuorum(replies map[uint32]*benchpb.Echo) (*benchpb.Echo, bool) {
	if len(replies) < s.q {
		return nil, false
	}
	for _, r := range replies {
		return r, true
	}
	return nil, false
}

func (s quorumSpec) QCQF(_ *benchpb.Echo, replies map[uint32]*benchpb.Echo) (*benchpb.Echo, bool) {
	return s.anyOfQuorum(replies)
}

func (s quorumSpec) AsyncQCQF(_ *benchpb.Echo, replies map[uint32]*benchpb.Echo) (*benchpb.Echo, bool) {
	return s.anyOfQuorum(replies)
}

func (s quorumSpec) SlowQCQF(_ *benchpb.Echo, replies map[uint32]*benchpb.Echo) (*benchpb.Echo, bool) {
	return s.anyOfQuorum(replies)
}

// gorumsClient is the Gorums system: a manager and a configuration of every server.
type gorumsClient struct {
	mgr *benchpb.Manager
	cfg *benchpb.Configuration
}

func newGorumsClient(ctx context.Context, addrs []string, quorum int, opts ...gorums.ManagerOption) (*gorumsClient, error) {
	mgr := benchpb.NewManager(append([]gorums.ManagerOption{
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithDialTimeout(dialTimeoutFor(ctx)),
	}, opts...)...)
	// The dial timeout bounds the wait for the servers; closing the manager when ctx ends
	// (an interrupt, say) ends it at once.
	stop := context.AfterFunc(ctx, mgr.Close)
	cfg, err := mgr.NewConfiguration(quorumSpec{q: quorum}, gorums.WithNodeList(addrs))
	stop()
	if ctx.Err() != nil {
		err = context.Cause(ctx) // whatever the closed manager made of it
	}
	if err != nil {
		mgr.Close()
		return nil, fmt.Errorf("connecting Gorums' client: %w", err)
	}
	if cfg.Size() != len(addrs) {
		mgr.Close()
		return nil, fmt.Errorf("gorums: %d addresses name %d servers; give each server once", len(addrs), cfg.Size())
	}
	return &gorumsClient{mgr: mgr, cfg: cfg}, nil
}

func (c *gorumsClient) close() error {
	c.mgr.Close()
	return nil
}

func (c *gorumsClient) op(ctx context.Context, bench Benchmark) (*Op, error) {
	switch bench {
	case QuorumCall:
		return &Op{Call: c.cfg.QC}, nil
	case SlowServer:
		return &Op{Call: c.cfg.SlowQC}, nil
	case AsyncQuorumCall:
		return &Op{Start: func(ctx context.Context, in *benchpb.Echo) Future { return c.cfg.AsyncQC(ctx, in) }}, nil
	case Multicast:
		before, err := c.stats(ctx)
		if err != nil {
			return nil, err
		}
		call := func(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
			c.cfg.Multicast(ctx, in)
			return nil, nil
		}
		finish := func(ctx context.Context) (uint64, error) {
			after, err := c.stats(ctx)
			return after.Multicasts - before.Multicasts, err
		}
		return &Op{Call: call, OneWay: true, Finish: finish}, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, bench)
}

// stats returns the sum of every server's counters. Stats is an ordered RPC, so each server
// reports after handling every message this client sent it before. It waits at most runGrace,
// so that a server that stopped answering (a stopped process, say) fails the run, named,
// instead of hanging it.
func (c *gorumsClient) stats(ctx context.Context) (*benchpb.ServerStats, error) {
	ctx, cancel := context.WithTimeout(ctx, runGrace)
	defer cancel()
	sum := &benchpb.ServerStats{}
	for _, n := range c.cfg.Nodes() {
		s, err := n.Stats(ctx, &benchpb.StatsRequest{})
		if err != nil {
			return sum, fmt.Errorf("stats of %s: %w", n.Address(), err)
		}
		sum.Multicasts += s.GetMulticasts()
		sum.Oneways += s.GetOneways()
		sum.Mallocs += s.GetMallocs()
		sum.TotalAlloc += s.GetTotalAlloc()
	}
	return sum, nil
}
