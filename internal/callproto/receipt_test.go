package callproto_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

const dropMethod = "test.Svc.Drop" // one-way

// oneWayPayload makes each one-way test message about 130 bytes on the wire.
var oneWayPayload = strings.Repeat("x", 100)

// sendOneWays sends count one-way messages, each call waiting until its message is on the
// stream, as a multicast does.
func sendOneWays(t *testing.T, ctx context.Context, n *callproto.NodeActor, count int) {
	t.Helper()
	for range count {
		c := sendKind(t, ctx, n, callproto.OneWay, dropMethod, oneWayPayload)
		rs, err := c.Next()
		if err != nil || len(rs) != 1 || rs[0].Err != nil {
			t.Fatalf("one-way message not sent: %v %+v", err, rs)
		}
		c.Finish(true)
	}
}

// One-way messages get no replies, so only read receipts show the node how far the server has
// read: with them, a stream that carries nothing else keeps room for sends from the caller's
// goroutine, and the node's goroutine is not needed.
func TestReceiptsShowOneWayMessagesRead(t *testing.T) {
	ts := startServer(t)
	var got sync.WaitGroup
	const count = 3000 // ~390 KB, many times the inline window
	got.Add(count)
	ts.srv.RegisterHandler(dropMethod, server.OneWayHandler(func(_ server.ServerCtx, _ *wrapperspb.StringValue) { got.Done() }))
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	send(t, ctx, n, echoMethod, "connected").wait(t) // the stream is up, its header read
	sendOneWays(t, ctx, n, count)
	got.Wait()
	// Once the server has caught up, a receipt shows all but what went out after it. The
	// node asks for one when it sends, so this sends one more message at each look.
	waitFor(t, "the read mark to catch up", func() bool {
		if n.Unread() < callproto.ReceiptAfter+200 {
			return true
		}
		sendOneWays(t, ctx, n, 1)
		return false
	})
	before := n.HandOffs()
	sendOneWays(t, ctx, n, 1)
	if after := n.HandOffs(); after != before {
		t.Fatalf("a one-way message on a stream with room was handed to the node's goroutine (%d hand-offs, %d before)", after, before)
	}
}

// rawServer is a NodeStream server that reads every message, records each envelope's method
// and answers nothing, as a server of another Gorums version serves one-way messages; it
// confirms no extension.
type rawServer struct {
	addr    string
	mu      sync.Mutex
	methods []string
}

func startRawServer(t *testing.T) *rawServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs := &rawServer{addr: lis.Addr().String()}
	gs := grpc.NewServer()
	gs.RegisterService(wire.ServiceDesc(func(_ any, ss grpc.ServerStream) error {
		for {
			var m wire.Message
			if err := ss.RecvMsg(&m); err != nil {
				return nil
			}
			rs.mu.Lock()
			rs.methods = append(rs.methods, m.Method)
			rs.mu.Unlock()
			m.Release()
		}
	}), nil)
	done := make(chan struct{})
	go func() { _ = gs.Serve(lis); close(done) }()
	t.Cleanup(func() { gs.Stop(); <-done })
	return rs
}

func (rs *rawServer) received() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.methods...)
}

// A server that did not confirm read receipts never gets a receipt request (Gorums v0.7's
// codec would end the stream on its method); past the inline window the node's goroutine
// sends, as it may wait.
func TestNoReceiptRequestsWithoutConfirmation(t *testing.T) {
	rs := startRawServer(t)
	n := startNode(t, rs.addr)
	ctx := testCtx(t)
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	const count = 1000 // ~130 KB
	sendOneWays(t, ctx, n, count)
	waitFor(t, "every message to arrive", func() bool { return len(rs.received()) >= count })
	for i, m := range rs.received() {
		if m != dropMethod {
			t.Fatalf("message %d has method %q, want only %q", i, m, dropMethod)
		}
	}
	if n.HandOffs() == 0 {
		t.Fatalf("%d one-way messages with nothing shown read all went from the caller's goroutine", count)
	}
}

// A server whose handler blocks its stream reads nothing more and answers no receipt request;
// the stream's flow-control window (64 KiB here) fills, and gRPC's SendMsg then waits. The
// callers' goroutines must never be the ones waiting: every one-way message is queued or
// sent at once.
func TestBlockedStreamDoesNotHoldCallers(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.WithGRPCServerOptions(grpc.InitialWindowSize(64<<10), grpc.InitialConnWindowSize(64<<10)))
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	srv.RegisterHandler(dropMethod, server.OneWayHandler(func(_ server.ServerCtx, _ *wrapperspb.StringValue) {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release
	}))
	srv.RegisterHandler(echoMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return in, nil
	}))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		<-served
	})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // before the server stops, which waits for its handlers
	const count = 3000 // ~390 KB: far beyond the window
	n := startNode(t, lis.Addr().String(), func(c *callproto.Config) { c.SendBuffer = count })
	ctx := testCtx(t)
	send(t, ctx, n, echoMethod, "connected").wait(t)
	calls := make([]call, 0, count)
	queued := make(chan struct{})
	go func() {
		defer close(queued)
		for range count {
			c := callproto.NewCall(ctx, &ids, callproto.OneWay, 1)
			if err := c.Enqueue(0, n, frameOf(t, c, dropMethod, oneWayPayload), false); err != nil {
				t.Errorf("Enqueue: %v", err)
				return
			}
			calls = append(calls, call{c})
		}
	}()
	select {
	case <-queued:
	case <-time.After(time.Minute):
		t.Fatal("a caller's goroutine is stuck sending to a blocked stream")
	}
	select {
	case <-entered:
	case <-ctx.Done():
		t.Fatal("the blocking handler never started")
	}
	unblock() // the handlers return; the node's goroutine sends the rest
	for _, c := range calls {
		if rs, err := c.Next(); err != nil || len(rs) != 1 || rs[0].Err != nil {
			t.Fatalf("one-way message not sent after the stream unblocked: %v %+v", err, rs)
		}
		c.Finish(true)
	}
}

// failFirstReceipt is a client stream whose first receipt request fails as on a stream the
// server has ended.
type failFirstReceipt struct {
	grpc.ClientStream
	failed *atomic.Bool
}

func (s failFirstReceipt) SendMsg(m any) error {
	if f, ok := m.(*wire.Frame); ok && bytes.Contains(f.Bytes, []byte(wire.ReceiptMethod)) && s.failed.CompareAndSwap(false, true) {
		return io.EOF
	}
	return s.ClientStream.SendMsg(m)
}

// A receipt request that fails breaks the stream as a request would, and the reconnect runs
// user code (the per-node metadata function); a panic there is contained on the node's own
// goroutine too, and the node lives on.
func TestFailedReceiptRequestContainsPanic(t *testing.T) {
	ts := startServer(t)
	ts.srv.RegisterHandler(dropMethod, server.OneWayHandler(func(_ server.ServerCtx, _ *wrapperspb.StringValue) {}))
	var mdCalls atomic.Int32
	var failed atomic.Bool
	rt := &callproto.Runtime{Logger: zap.NewNop()}
	n := startNode(t, ts.addr, func(c *callproto.Config) {
		c.Batching = true
		c.Runtime = rt
		c.PerNodeMD = func(uint32) metadata.MD {
			if mdCalls.Add(1) > 1 {
				panic("per-node metadata unavailable on reconnect")
			}
			return nil
		}
		c.DialOpts = append(c.DialOpts, grpc.WithStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn,
			method string, streamer grpc.Streamer, opts ...grpc.CallOption,
		) (grpc.ClientStream, error) {
			s, err := streamer(ctx, desc, cc, method, opts...)
			if err != nil {
				return nil, err
			}
			return failFirstReceipt{ClientStream: s, failed: &failed}, nil
		}))
	})
	ctx := testCtx(t)
	send(t, ctx, n, echoMethod, "connected").wait(t)
	// Another call in progress: on a stream that batches, the node's own goroutine sends.
	other := callproto.NewCall(ctx, &rt.IDs, callproto.OneWay, 1)
	t.Cleanup(func() { other.Finish(true) })
	for i := 0; i < 1000 && !failed.Load(); i++ {
		c := callproto.NewCall(ctx, &rt.IDs, callproto.OneWay, 1)
		if err := c.Enqueue(0, n, frameOf(t, c, dropMethod, oneWayPayload), true); err != nil {
			t.Fatal(err)
		}
		_, _ = c.Next()
		c.Finish(true)
	}
	if !failed.Load() {
		t.Fatal("no receipt request was sent")
	}
	waitFor(t, "the reconnect to ask for metadata", func() bool { return mdCalls.Load() >= 2 })
	// The node lives on: a request fails fast (no stream), and another reconnect is tried.
	r := send(t, ctx, n, echoMethod, "after").wait(t)
	if r.Err == nil && r.Status == nil {
		if got := decode(t, r); got != "echo after" {
			t.Fatalf("reply %q", got)
		}
	}
	waitFor(t, "another reconnect attempt", func() bool { return mdCalls.Load() >= 3 })
}
