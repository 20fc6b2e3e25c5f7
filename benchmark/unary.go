package benchmark

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"google.golang.org/grpc"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// unaryClient is the hand-written gRPC unary fan-out: one grpc.ClientConn per server, and a
// quorum call that makes a unary call to every server, each in its own goroutine, and returns
// as soon as a quorum replied. The replies that come later go into the call's buffered channel
// (one slot per server), which nobody reads again, so their goroutines end on their own; like
// Gorums, the baseline does not cancel them. wg counts those goroutines so that close can wait
// for them.
type unaryClient struct {
	conns   []*grpc.ClientConn
	clients []benchpb.BenchGRPCClient
	quorum  int
	wg      sync.WaitGroup
}

func newUnaryClient(ctx context.Context, addrs []string, quorum int) (*unaryClient, error) {
	c := &unaryClient{quorum: quorum}
	for _, addr := range addrs {
		conn, err := dial(ctx, addr)
		if err != nil {
			_ = c.close()
			return nil, fmt.Errorf("unary baseline: %w", err)
		}
		c.conns = append(c.conns, conn)
		c.clients = append(c.clients, benchpb.NewBenchGRPCClient(conn))
	}
	return c, nil
}

func (c *unaryClient) close() error {
	var errs []error
	for _, conn := range c.conns {
		errs = append(errs, conn.Close())
	}
	c.wg.Wait()
	return errors.Join(errs...)
}

func (c *unaryClient) op(_ context.Context, bench Benchmark) (*Op, error) {
	switch bench {
	case QuorumCall, SlowServer:
		return &Op{Call: c.qc}, nil
	case AsyncQuorumCall:
		return &Op{Start: c.start}, nil
	}
	return nil, fmt.Errorf("%w: %s has no one-way call", ErrUnsupported, Unary)
}

type unaryResult struct {
	reply *benchpb.Echo
	err   error
}

// unaryCall is one call in flight; its channel has room for every server's result.
type unaryCall struct {
	ctx     context.Context
	n       int
	quorum  int
	results chan unaryResult
}

// start sends the request to every server, each in its own goroutine.
func (c *unaryClient) start(ctx context.Context, in *benchpb.Echo) Future {
	call := &unaryCall{ctx: ctx, n: len(c.clients), quorum: c.quorum, results: make(chan unaryResult, len(c.clients))}
	c.wg.Add(len(c.clients))
	for _, client := range c.clients {
		go func() {
			defer c.wg.Done()
			reply, err := client.Unary(ctx, in)
			call.results <- unaryResult{reply, err} // has room: late senders never block
		}()
	}
	return call
}

func (c *unaryClient) qc(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	return c.start(ctx, in).Get()
}

// Get waits for a quorum of replies and returns the last of them.
func (call *unaryCall) Get() (*benchpb.Echo, error) {
	var (
		ok   int
		errs []error
	)
	for range call.n {
		select {
		case r := <-call.results:
			if r.err != nil {
				errs = append(errs, r.err)
				if call.n-len(errs) < call.quorum {
					return nil, fmt.Errorf("unary baseline: no quorum: %w", errors.Join(errs...))
				}
				continue
			}
			ok++
			if ok >= call.quorum {
				return r.reply, nil
			}
		case <-call.ctx.Done():
			return nil, call.ctx.Err()
		}
	}
	return nil, fmt.Errorf("unary baseline: no quorum: %w", errors.Join(errs...))
}
