package server_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

// BenchmarkServerEcho measures the server's request path on its own: clients pipeline echo
// requests on raw NodeStreams (one goroutine sends, another receives) and the server handles
// each inline and replies. ns/op is per request over all streams.
func BenchmarkServerEcho(b *testing.B) {
	for _, streams := range []int{1, 16} {
		b.Run(fmt.Sprintf("streams=%d", streams), func(b *testing.B) {
			srv := server.New()
			srv.RegisterHandler(echoMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
				return in, nil
			}))
			addr, stop := serveForBench(b, srv)
			defer stop()
			frame, err := wire.Encode(1, echoMethod, nil, nil, wrapperspb.String("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
			if err != nil {
				b.Fatal(err)
			}
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sts := make([]grpc.ClientStream, streams)
			for i := range sts {
				if sts[i], err = conn.NewStream(ctx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName)); err != nil {
					b.Fatal(err)
				}
			}
			per := b.N / streams
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for i, st := range sts {
				n := per
				if i == 0 {
					n += b.N % streams
				}
				wg.Add(2)
				go func() {
					defer wg.Done()
					for range n {
						if err := st.SendMsg(&wire.Frame{Bytes: frame}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
				go func() {
					defer wg.Done()
					var m wire.Message
					for range n {
						if err := st.RecvMsg(&m); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
		})
	}
}

// serveForBench serves srv on loopback; stop stops it and waits for Serve.
func serveForBench(b *testing.B, srv *server.Server) (addr string, stop func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	return lis.Addr().String(), func() {
		srv.Stop()
		<-served
	}
}
