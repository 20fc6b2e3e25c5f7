package benchmark

import (
	"context"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"github.com/quorumcall/gorums"
	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// Server is a benchmark server: one gorums.Server serving BenchGorums on the NodeStream, whose
// underlying gRPC server also serves the baselines' plain gRPC services BenchGRPC and
// BenchStream. Every echo method replies with its request, after the request's delay_ns if it
// has one; one-way messages are counted.
type Server struct {
	benchpb.UnimplementedBenchGRPCServer
	benchpb.UnimplementedBenchStreamServer

	srv        *gorums.Server
	multicasts atomic.Uint64 // Multicast messages handled
	oneways    atomic.Uint64 // messages received on Oneway streams
	// handledMulticast, if set before the server serves, is told of each Multicast handled
	// (the go test benchmarks wait on it).
	handledMulticast chan<- struct{}
}

// NewServer returns a benchmark server with the given gorums server options.
func NewServer(opts ...gorums.ServerOption) *Server {
	s := &Server{srv: gorums.NewServer(opts...)}
	benchpb.RegisterBenchGorumsServer(s.srv, s)
	benchpb.RegisterBenchGRPCServer(s.srv.GRPCServer(), s)
	benchpb.RegisterBenchStreamServer(s.srv.GRPCServer(), s)
	return s
}

// Serve serves on lis until Stop; it returns nil after Stop.
func (s *Server) Serve(lis net.Listener) error { return s.srv.Serve(lis) }

// Stop ends every stream and call at once and waits for the handlers to return.
func (s *Server) Stop() { s.srv.Stop() }

// work waits for d, or until ctx ends: the slow handlers' simulated work.
func work(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// QC echoes the request.
func (s *Server) QC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error) { return in, nil }

// AsyncQC echoes the request.
func (s *Server) AsyncQC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error) {
	return in, nil
}

// SlowQC releases the stream, so that its next request is handled at once, then works for the
// request's delay before it echoes the request.
func (s *Server) SlowQC(ctx gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error) {
	ctx.Release()
	work(ctx, time.Duration(in.GetDelayNs()))
	return in, nil
}

// Multicast counts the message (and tells handledMulticast, if set).
func (s *Server) Multicast(_ gorums.ServerCtx, _ *benchpb.Echo) {
	s.multicasts.Add(1)
	if s.handledMulticast != nil {
		s.handledMulticast <- struct{}{}
	}
}

// RPC echoes the request.
func (s *Server) RPC(_ gorums.ServerCtx, in *benchpb.Echo) (*benchpb.Echo, error) { return in, nil }

// Stats returns the server's counters.
func (s *Server) Stats(_ gorums.ServerCtx, _ *benchpb.StatsRequest) (*benchpb.ServerStats, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return &benchpb.ServerStats{
		Multicasts: s.multicasts.Load(),
		Oneways:    s.oneways.Load(),
		Mallocs:    ms.Mallocs,
		TotalAlloc: ms.TotalAlloc,
	}, nil
}

// Unary echoes the request, after its delay if it has one (gRPC runs every unary call in a
// goroutine of its own, so slow calls overlap).
func (s *Server) Unary(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	work(ctx, time.Duration(in.GetDelayNs()))
	return in, nil
}

// Stream echoes every request inline, in the stream's receive loop, as the Gorums server runs
// its handlers. A request with a delay is echoed by a goroutine of its own after the delay, as a
// Gorums handler that calls Release goes on by itself; sends are serialised by a mutex. Stream
// returns when the client ends the stream or the connection closes, after those goroutines.
func (s *Server) Stream(stream grpc.BidiStreamingServer[benchpb.Echo, benchpb.Echo]) error {
	var (
		mu   sync.Mutex // serialises Send
		slow sync.WaitGroup
	)
	defer slow.Wait()
	send := func(m *benchpb.Echo) error {
		mu.Lock()
		defer mu.Unlock()
		return stream.Send(m)
	}
	for {
		in, err := stream.Recv()
		if err != nil {
			return nil // io.EOF or the stream's context ended: nothing more to echo
		}
		if d := time.Duration(in.GetDelayNs()); d > 0 {
			slow.Go(func() {
				work(stream.Context(), d)
				_ = send(in) // fails only once the stream has ended
			})
			continue
		}
		if err := send(in); err != nil {
			return err
		}
	}
}

// Oneway counts the messages of the stream and replies with their number when the client ends
// it.
func (s *Server) Oneway(stream grpc.ClientStreamingServer[benchpb.Echo, benchpb.ServerStats]) error {
	var n uint64
	for {
		if _, err := stream.Recv(); err != nil {
			return stream.SendAndClose(&benchpb.ServerStats{Oneways: n})
		}
		n++
		s.oneways.Add(1)
	}
}
