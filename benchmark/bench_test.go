package benchmark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
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

// echoServer serves BenchGorums (on the NodeStream), BenchGRPC (plain unary gRPC) and
// BenchStream (plain gRPC bidi stream): every method replies with its request.
type echoServer struct {
	benchpb.UnimplementedBenchGRPCServer
	benchpb.UnimplementedBenchStreamServer
}

func (echoServer) QC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error)  { return in, nil }
func (echoServer) RPC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error) { return in, nil }
func (echoServer) Unary(_ context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	return in, nil
}

// Stream echoes every request inline, in the stream's receive loop, as the Gorums server runs
// its handlers. It returns when the client ends the stream or the connection closes.
func (echoServer) Stream(stream grpc.BidiStreamingServer[benchpb.Echo, benchpb.Echo]) error {
	for {
		in, err := stream.Recv()
		if err != nil {
			return nil // io.EOF or the stream's context ended: nothing more to echo
		}
		if err := stream.Send(in); err != nil {
			return err
		}
	}
}

// startServers starts n loopback servers, each a gorums.Server whose underlying gRPC server
// also serves BenchGRPC and BenchStream, and returns their addresses. They are stopped, and their Serve
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
		benchpb.RegisterBenchStreamServer(srv.GRPCServer(), echoServer{})
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

// streamConfig is the second, stronger baseline: the best hand-written fan-out on gRPC
// bidirectional streams. Each server gets one grpc.ClientConn and one long-lived BenchStream
// stream, and one goroutine receiving on it. A call takes a fresh id, registers itself in
// pending under that id, sends a copy of its request whose seq is the id to every stream
// (sends on one stream are serialised by the stream's mutex, as gRPC allows one sender at a
// time), and returns as soon as a majority replied. The receive goroutines route each reply
// to its call by seq; replies that arrive after the call forgot its id are dropped.
//
// The wire seq is the call id, not the caller's seq, because callers reuse one request (and so
// one seq) for call after call: a reply left over from the previous call must not count for
// the next one. Gorums matches replies the same way, by a message id of its own. The reply
// handed back carries the caller's seq again, so it echoes the caller's request.
type streamConfig struct {
	conns   []*grpc.ClientConn
	streams []*benchStream
	quorum  int
	nextID  atomic.Int64
	cancel  context.CancelFunc // ends every stream
	wg      sync.WaitGroup     // the receive goroutines

	mu      sync.Mutex
	pending map[int64]*streamCall // by call id, while the call waits
}

// benchStream is one server's stream. mu serialises Send and guards err, which is set once the
// stream is broken; no send is tried after that.
type benchStream struct {
	mu     sync.Mutex
	stream grpc.BidiStreamingClient[benchpb.Echo, benchpb.Echo]
	err    error
}

// streamCall is one waiting call. Each stream puts at most one result in results (a reply or
// an error, recorded in delivered under streamConfig.mu), so with room for one result per
// stream no send on results ever blocks, whether or not the call still reads it.
type streamCall struct {
	results   chan streamResult
	delivered uint64 // bit i: stream i has delivered its result; guarded by streamConfig.mu
}

type streamResult struct {
	reply *benchpb.Echo
	err   error
}

// newStreamConfig dials every address and opens one stream on each. In tb's cleanup the
// streams are ended, their receive goroutines waited for, and the connections closed.
func newStreamConfig(tb testing.TB, addrs []string) *streamConfig {
	tb.Helper()
	if len(addrs) > 64 {
		tb.Fatalf("stream baseline: %d servers, at most 64", len(addrs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &streamConfig{quorum: majority(len(addrs)), cancel: cancel, pending: make(map[int64]*streamCall)}
	tb.Cleanup(c.close)
	for i, addr := range addrs {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			tb.Fatal(err)
		}
		c.conns = append(c.conns, conn)
		stream, err := benchpb.NewBenchStreamClient(conn).Stream(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		s := &benchStream{stream: stream}
		c.streams = append(c.streams, s)
		c.wg.Add(1)
		go c.receive(i, s)
	}
	return c
}

func (c *streamConfig) close() {
	c.cancel()
	c.wg.Wait()
	for _, conn := range c.conns {
		_ = conn.Close()
	}
}

// receive routes the replies of stream i to their calls until the stream breaks; then it
// gives the error to every call still waiting for stream i.
func (c *streamConfig) receive(i int, s *benchStream) {
	defer c.wg.Done()
	bit := uint64(1) << i
	for {
		reply, err := s.stream.Recv()
		if err != nil {
			s.mu.Lock()
			s.err = err // before the calls are told: a call registered later fails to send
			s.mu.Unlock()
			c.mu.Lock()
			for _, call := range c.pending {
				c.deliverLocked(call, bit, streamResult{err: err})
			}
			c.mu.Unlock()
			return
		}
		c.mu.Lock()
		call := c.pending[reply.Seq]
		if call != nil && call.delivered&bit != 0 {
			call = nil // the server echoed one request twice; cannot happen, but never block
		}
		if call != nil {
			call.delivered |= bit
		}
		c.mu.Unlock()
		if call != nil {
			call.results <- streamResult{reply: reply} // has room: see streamCall
		}
	}
}

// deliverLocked gives call the result of the stream of bit unless that stream gave one
// already. c.mu is held; the send does not block (see streamCall).
func (c *streamConfig) deliverLocked(call *streamCall, bit uint64, r streamResult) {
	if call.delivered&bit != 0 {
		return
	}
	call.delivered |= bit
	call.results <- r
}

func (s *benchStream) send(req *benchpb.Echo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return s.stream.Send(req)
}

// QC is the stream baseline's quorum call.
func (c *streamConfig) QC(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	n := len(c.streams)
	id := c.nextID.Add(1)
	req := &benchpb.Echo{Payload: in.Payload, Seq: id}
	call := &streamCall{results: make(chan streamResult, n)}
	c.mu.Lock()
	c.pending[id] = call
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	for i, s := range c.streams {
		if err := s.send(req); err != nil {
			c.mu.Lock()
			c.deliverLocked(call, uint64(1)<<i, streamResult{err: err})
			c.mu.Unlock()
		}
	}
	var (
		ok   int
		errs []error
	)
	for range n {
		select {
		case r := <-call.results:
			if r.err != nil {
				errs = append(errs, r.err)
				if n-len(errs) < c.quorum {
					return nil, fmt.Errorf("grpc stream baseline: no quorum: %w", errors.Join(errs...))
				}
				continue
			}
			ok++
			if ok >= c.quorum {
				r.reply.Seq = in.Seq // the reply is this call's alone; see streamConfig
				return r.reply, nil
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("grpc stream baseline: no quorum: %w", errors.Join(errs...))
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
// servers: Gorums' generated QC method against the two hand-written gRPC baselines, unary
// calls (grpcConfig.QC) and one bidi stream per server (streamConfig.QC).
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
		b.Run(fmt.Sprintf("grpcstream/servers=%d", n), func(b *testing.B) {
			cfg := newStreamConfig(b, startServers(b, n))
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
			scfg := newStreamConfig(t, addrs)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			in := newRequest(42)

			calls := []struct {
				name string
				call caller
			}{
				{"gorums QC", gcfg.QC},
				{"grpc QC", bcfg.QC},
				{"grpcstream QC", scfg.QC},
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
