package server_test

import (
	"runtime"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

// A handler that ends its goroutine with runtime.Goexit (as t.FailNow does) instead of
// returning: while it holds the receive loop, its stream ends with Internal (no goroutine
// receives for it any more), its slot is freed for another stream, and Stop returns. After
// Release, only its call fails with Internal, and the stream goes on.
func TestHandlerGoexit(t *testing.T) {
	srv := server.New(server.WithMaxStreams(1))
	srv.RegisterHandler("test.Svc.Exit", server.UnaryHandler(func(ctx server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		if in.GetValue() == "released" {
			ctx.Release()
		}
		runtime.Goexit()
		return in, nil
	}))
	ts := startServer(t, srv)

	cs := openStream(t, ts.addr)
	id := cs.send("test.Svc.Exit", "released")
	if msg := cs.recvStatus(id, codes.Internal); !strings.Contains(msg, "Goexit") {
		t.Fatalf("status %q, want it to name Goexit", msg)
	}
	cs.echo("the stream goes on after a released handler's Goexit")

	cs.send("test.Svc.Exit", "holding the loop")
	err := cs.stream.RecvMsg(new(wire.Message))
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "Goexit") {
		t.Fatalf("stream ended with %v, want Internal naming Goexit", err)
	}
	cs.close()
	// The server serves at most one stream: the next gets in once the ended one is gone.
	server.WaitFor(t, "a new stream to be served", func() bool {
		next := openStream(t, ts.addr)
		defer next.close()
		b, _ := wire.Encode(1, echoMethod, nil, nil, wrapperspb.String("x"))
		if next.stream.SendMsg(&wire.Frame{Bytes: b}) != nil {
			return false
		}
		return next.stream.RecvMsg(new(wire.Message)) == nil
	})
}
