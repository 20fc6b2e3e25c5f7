package benchmark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums"
	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	// payloadSize is the size of every request's payload.
	payloadSize = 64
	// parallelCallers is roughly how many goroutines call at once in the parallel variants.
	parallelCallers = 16
)

var serverCounts = []int{3, 5}

// echoServer serves both BenchGorums (on the NodeStream) and BenchGRPC (plain unary gRPC):
// every method replies with its request.
type echoServer struct {
	benchpb.UnimplementedBenchGRPCServer
}

func (echoServer) QC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error)  { return in, nil }
func (echoServer) RPC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error) { return in, nil }
func (echoServer) Unary(_ context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	return in, nil
}

// startServers starts n loopback servers, each a gorums.Server whose underlying gRPC server
// also serves BenchGRPC, and returns their addresses. They are stopped, and their Serve
// goroutines waited for, in tb's cleanup.
func startServers(tb testing.TB, n int) []string {
	tb.Helper()
	addrs := make([]string, n)
	for i := range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		srv := gorums.NewServer()
		benchpb.RegisterBenchGorumsServer(srv, echoServer{})
		benchpb.RegisterBenchGRPCServer(srv.GRPCServer(), echoServer{})
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = srv.Serve(lis)
		}()
		tb.Cleanup(func() {
			srv.Stop()
			<-served
		})
		addrs[i] = lis.Addr().String()
	}
	return addrs
}

// majorityQSpec is the QuorumSpec of the Gorums client: a quorum is any q replies.
type majorityQSpec struct{ q int }

func (s majorityQSpec) QCQF(_ *benchpb.Echo, replies map[uint32]*benchpb.Echo) (*benchpb.Echo, bool) {
	if len(replies) < s.q {
		return nil, false
	}
	for _, r := range replies {
		return r, true
	}
	return nil, false
}

func majority(n int) int { return n/2 + 1 }

// caller is what the benchmarks measure: one quorum call or RPC.
type caller func(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error)

// newGorumsConfig returns a Gorums configuration of addrs with a majority quorum function.
// Its manager is closed in tb's cleanup.
func newGorumsConfig(tb testing.TB, addrs []string) *benchpb.Configuration {
	tb.Helper()
	mgr := benchpb.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	tb.Cleanup(func() { _ = mgr.Close() })
	cfg, err := mgr.NewConfiguration(majorityQSpec{q: majority(len(addrs))}, gorums.WithNodeList(addrs))
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// grpcConfig is the hand-written baseline: one grpc.ClientConn per server, and a quorum call
// that makes a unary call to each server in its own goroutine and returns as soon as a
// majority replied. Later replies go into the call's buffered channel, which nobody reads
// again, so their goroutines end without waiting; like Gorums, the baseline does not cancel
// them. wg counts those goroutines so that close can wait for them.
type grpcConfig struct {
	conns   []*grpc.ClientConn
	clients []benchpb.BenchGRPCClient
	quorum  int
	wg      sync.WaitGroup
}

// newGRPCConfig dials every address; the connections are closed, and the call goroutines
// still running waited for, in tb's cleanup.
func newGRPCConfig(tb testing.TB, addrs []string) *grpcConfig {
	tb.Helper()
	c := &grpcConfig{quorum: majority(len(addrs))}
	tb.Cleanup(c.close)
	for _, addr := range addrs {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			tb.Fatal(err)
		}
		c.conns = append(c.conns, conn)
		c.clients = append(c.clients, benchpb.NewBenchGRPCClient(conn))
	}
	return c
}

func (c *grpcConfig) close() {
	for _, conn := range c.conns {
		_ = conn.Close()
	}
	c.wg.Wait()
}

type grpcResult struct {
	reply *benchpb.Echo
	err   error
}

// QC is the baseline quorum call.
func (c *grpcConfig) QC(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	n := len(c.clients)
	results := make(chan grpcResult, n) // room for every reply: late senders never block
	c.wg.Add(n)
	for _, client := range c.clients {
		go func() {
			defer c.wg.Done()
			reply, err := client.Unary(ctx, in)
			results <- grpcResult{reply, err}
		}()
	}
	var (
		ok    int
		reply *benchpb.Echo
		errs  []error
	)
	for range n {
		select {
		case r := <-results:
			if r.err != nil {
				errs = append(errs, r.err)
				if n-len(errs) < c.quorum {
					return nil, fmt.Errorf("grpc baseline: no quorum: %w", errors.Join(errs...))
				}
				continue
			}
			ok++
			reply = r.reply
			if ok >= c.quorum {
				return reply, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("grpc baseline: no quorum: %w", errors.Join(errs...))
}

// unary is the baseline RPC: a plain unary call on the first server.
func (c *grpcConfig) unary(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	return c.clients[0].Unary(ctx, in)
}

// newRequest returns a request with a payload of payloadSize bytes and the given seq.
func newRequest(seq int64) *benchpb.Echo {
	return &benchpb.Echo{Payload: bytes.Repeat([]byte{byte(seq)}, payloadSize), Seq: seq}
}

func checkReply(in, out *benchpb.Echo) error {
	if out == nil || out.Seq != in.Seq || len(out.Payload) != payloadSize {
		return fmt.Errorf("reply %v does not echo request seq %d", out, in.Seq)
	}
	return nil
}

// warmUp makes one call so that connections and streams are up before timing starts.
func warmUp(b *testing.B, call caller) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	in := newRequest(0)
	out, err := call(ctx, in)
	if err == nil {
		err = checkReply(in, out)
	}
	if err != nil {
		b.Fatalf("warm-up call: %v", err)
	}
}

// runCallers benchmarks call with one caller and with about parallelCallers callers.
func runCallers(b *testing.B, call caller) {
	warmUp(b, call)
	b.Run("callers=1", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		in := newRequest(1)
		for b.Loop() {
			out, err := call(ctx, in)
			if err == nil {
				err = checkReply(in, out)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	p := max(1, parallelCallers/runtime.GOMAXPROCS(0))
	b.Run(fmt.Sprintf("callers=%d", p*runtime.GOMAXPROCS(0)), func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(p)
		var seq sync.Mutex
		next := int64(1)
		b.RunParallel(func(pb *testing.PB) {
			seq.Lock()
			next++
			in := newRequest(next) // one request per caller, never changed during a call
			seq.Unlock()
			ctx := context.Background()
			for pb.Next() {
				out, err := call(ctx, in)
				if err == nil {
					err = checkReply(in, out)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkQuorumCall measures a quorum call with a majority quorum on 3 and 5 loopback
// servers: Gorums' generated QC method against the hand-written gRPC baseline (grpcConfig.QC).
func BenchmarkQuorumCall(b *testing.B) {
	for _, n := range serverCounts {
		b.Run(fmt.Sprintf("gorums/servers=%d", n), func(b *testing.B) {
			cfg := newGorumsConfig(b, startServers(b, n))
			runCallers(b, cfg.QC)
		})
		b.Run(fmt.Sprintf("grpc/servers=%d", n), func(b *testing.B) {
			cfg := newGRPCConfig(b, startServers(b, n))
			runCallers(b, cfg.QC)
		})
	}
}

// BenchmarkOrderedRPC measures an RPC on one loopback server: Gorums' ordered RPC (on the
// NodeStream, handled in order) against a plain unary gRPC call.
func BenchmarkOrderedRPC(b *testing.B) {
	b.Run("gorums", func(b *testing.B) {
		cfg := newGorumsConfig(b, startServers(b, 1))
		runCallers(b, cfg.Nodes()[0].RPC)
	})
	b.Run("grpc", func(b *testing.B) {
		cfg := newGRPCConfig(b, startServers(b, 1))
		runCallers(b, cfg.unary)
	})
}

// TestBaselineAndGorumsAgree runs one call of each kind against the same servers, so that a
// plain `go test` exercises everything the benchmarks use.
func TestBaselineAndGorumsAgree(t *testing.T) {
	for _, n := range serverCounts {
		t.Run(fmt.Sprintf("servers=%d", n), func(t *testing.T) {
			addrs := startServers(t, n)
			gcfg := newGorumsConfig(t, addrs)
			bcfg := newGRPCConfig(t, addrs)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			in := newRequest(42)

			calls := []struct {
				name string
				call caller
			}{
				{"gorums QC", gcfg.QC},
				{"grpc QC", bcfg.QC},
				{"gorums RPC", gcfg.Nodes()[0].RPC},
				{"grpc Unary", bcfg.unary},
			}
			for _, c := range calls {
				out, err := c.call(ctx, in)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				if !proto.Equal(out, in) {
					t.Errorf("%s = %v, want %v", c.name, out, in)
				}
			}
		})
	}
}
