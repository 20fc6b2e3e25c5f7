package callproto_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/internal/nettest"
	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	echoMethod  = "test.Svc.Echo"
	blockMethod = "test.Svc.Block"
)

// testServer is a server on loopback with an echo method and a method that blocks until the
// test releases it (or the stream ends).
type testServer struct {
	srv     *server.Server
	addr    string
	entered chan string   // a Block handler started, with its request's value
	release chan struct{} // closed to let Block handlers return
	stop    sync.Once
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{srv: server.New(), addr: lis.Addr().String(), entered: make(chan string, 16), release: make(chan struct{})}
	ts.srv.RegisterHandler(echoMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return wrapperspb.String("echo " + in.GetValue()), nil
	}))
	ts.srv.RegisterHandler(blockMethod, server.UnaryHandler(func(ctx server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		ts.entered <- in.GetValue()
		select {
		case <-ts.release:
			return in, nil
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}))
	served := make(chan error, 1)
	go func() { served <- ts.srv.Serve(lis) }()
	t.Cleanup(func() {
		ts.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ts
}

func (ts *testServer) Stop() { ts.stop.Do(ts.srv.Stop) }

// nodeOpts adjusts a test node's configuration.
type nodeOpt func(*callproto.Config)

func withBackoff(b backoff.Config) nodeOpt { return func(c *callproto.Config) { c.Backoff = b } }

func fastBackoff() nodeOpt {
	return withBackoff(backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.2, MaxDelay: 50 * time.Millisecond})
}

// startNode starts the actor of node 1 at addr; it is closed when the test ends.
func startNode(t *testing.T, addr string, opts ...nodeOpt) *callproto.NodeActor {
	t.Helper()
	cfg := callproto.Config{
		ID: 1, Addr: addr, Logger: zap.NewNop(),
		DialOpts:    []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())},
		Backoff:     backoff.DefaultConfig,
		SendBuffer:  64,
		ConnectWait: 10 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := callproto.StartNode(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

var ids callproto.MsgIDs

// call is one single-node call in flight.
type call struct {
	*callproto.Call
}

func send(t *testing.T, ctx context.Context, n *callproto.NodeActor, method, value string) call {
	t.Helper()
	return sendKind(t, ctx, n, callproto.Unary, method, value)
}

func sendKind(t *testing.T, ctx context.Context, n *callproto.NodeActor, kind callproto.Kind, method, value string) call {
	t.Helper()
	c := callproto.NewCall(ctx, &ids, kind, 1)
	if kind != callproto.OneWay {
		c.SetDecoder(decodeString)
	}
	if err := c.Enqueue(0, n, frameOf(t, c, method, value), true); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return call{c}
}

// frameOf is the request of call c to method with a string value.
func frameOf(t *testing.T, c *callproto.Call, method, value string) *wire.Frame {
	t.Helper()
	b, err := wire.Encode(c.MsgID(), method, nil, nil, wrapperspb.String(value))
	if err != nil {
		t.Fatal(err)
	}
	return wire.NewFrame(b)
}

// decodeString is the test calls' reply decoder.
func decodeString(b []byte) (proto.Message, error) {
	out := new(wrapperspb.StringValue)
	return out, proto.Unmarshal(b, out)
}

// wait returns the call's response and finishes the call.
func (c call) wait(t *testing.T) callproto.Response {
	t.Helper()
	rs, err := c.Next()
	if err != nil {
		t.Fatalf("no response for message %d: %v", c.MsgID(), err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d responses for one node", len(rs))
	}
	r := rs[0]
	c.Finish(true)
	return r
}

func decode(t *testing.T, r callproto.Response) string {
	t.Helper()
	if r.Err != nil || r.Status != nil {
		t.Fatalf("response error %v, status %v", r.Err, r.Status)
	}
	out, ok := r.Reply.(*wrapperspb.StringValue)
	if !ok {
		t.Fatalf("reply %T, want the decoded string", r.Reply)
	}
	return out.GetValue()
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestFirstRequestWaitsForConnection(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	// Sent at once, while the node is still making its first connection.
	r := send(t, ctx, n, echoMethod, "first").wait(t)
	if got := decode(t, r); got != "echo first" {
		t.Fatalf("reply %q", got)
	}
	if r.NodeID != 1 || r.Index != 0 {
		t.Fatalf("NodeID = %d, Index = %d", r.NodeID, r.Index)
	}
	if !n.Connected() {
		t.Fatal("node not connected after a reply")
	}
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	// A connected node is connected whatever the context: with an ended one too (a select on
	// both would pick either at random).
	ended, cancel := context.WithCancel(ctx)
	cancel()
	for range 100 {
		if err := n.WaitConnected(ended); err != nil {
			t.Fatalf("WaitConnected with an ended context on a connected node: %v", err)
		}
	}
	if n.Latency() <= 0 {
		t.Fatalf("Latency = %v after a reply", n.Latency())
	}
	if n.LastErr() != nil {
		t.Fatalf("LastErr = %v", n.LastErr())
	}
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d after the reply", p)
	}
}

func TestRepliesInOrderManyRequests(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	calls := make([]call, 200)
	for i := range calls {
		calls[i] = send(t, ctx, n, echoMethod, strings.Repeat("x", i))
	}
	for i, c := range calls {
		if got := decode(t, c.wait(t)); got != "echo "+strings.Repeat("x", i) {
			t.Fatalf("call %d: reply %q", i, got)
		}
	}
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestOneWayReportsSent(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	r := sendKind(t, ctx, n, callproto.OneWay, blockMethod, "one-way").wait(t)
	if r.Err != nil || r.Reply != nil || r.Status != nil {
		t.Fatalf("one-way response %+v, want a bare sent report", r)
	}
	select {
	case v := <-ts.entered:
		if v != "one-way" {
			t.Fatalf("server got %q", v)
		}
	case <-ctx.Done():
		t.Fatal("the server never got the one-way message")
	}
	close(ts.release)
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d: one-way messages are never pending", p)
	}
}

func TestHandlerErrorComesBackAsStatus(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	r := send(t, ctx, n, "test.Svc.Missing", "x").wait(t)
	if r.Err != nil || r.Status == nil || codes.Code(r.Status.Code) != codes.Unimplemented {
		t.Fatalf("response %+v, want an Unimplemented status", r)
	}
	// The stream lives on.
	if got := decode(t, send(t, ctx, n, echoMethod, "after").wait(t)); got != "echo after" {
		t.Fatalf("reply %q", got)
	}
}

func TestNothingListeningFailsFast(t *testing.T) {
	n := startNode(t, nettest.DeadAddr(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := send(t, ctx, n, echoMethod, "x")
	rs, err := c.Next()
	if err != nil {
		t.Fatal("no response before the context expired: the request did not fail fast")
	}
	c.Finish(true)
	if status.Code(rs[0].Err) != codes.Unavailable {
		t.Fatalf("error %v, want Unavailable", rs[0].Err)
	}
	if strings.Contains(rs[0].Err.Error(), "node 1") {
		t.Fatalf("error %q names the node: the call that reports it does that", rs[0].Err)
	}
	if n.LastErr() == nil {
		t.Fatal("LastErr not set after a failed connection attempt")
	}
	if n.Connected() {
		t.Fatal("Connected with nothing listening")
	}
	// A later request fails fast too.
	r2 := send(t, ctx, n, echoMethod, "y").wait(t)
	if status.Code(r2.Err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("second request: %v (ctx %v)", r2.Err, ctx.Err())
	}
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

// A node that accepts TCP connections but never speaks gRPC keeps gRPC's connection attempt
// going for 20 seconds. A request without a deadline waits for it only ConnectWait; later ones
// fail fast. No timing is asserted: the guard context is far longer than ConnectWait and
// shorter than gRPC's 20 s, so only a request that waited for gRPC ends by the guard.
func TestSilentServerFirstConnectionWaitIsBounded(t *testing.T) {
	n := startNode(t, nettest.SilentListener(t), func(c *callproto.Config) { c.ConnectWait = 100 * time.Millisecond })
	// ConnectWait 100ms: the guard below is 15 s, gRPC's own wait 20 s.
	guard, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	done := make(chan callproto.Response, 1)
	go func() {
		c := callproto.NewCall(context.Background(), &ids, callproto.Unary, 1)
		b, _ := wire.Encode(c.MsgID(), echoMethod, nil, nil, nil)
		if err := c.Enqueue(0, n, wire.NewFrame(b), true); err != nil {
			done <- callproto.Response{Err: err}
			return
		}
		rs, _ := c.Next()
		c.Finish(true)
		done <- rs[0]
	}()
	select {
	case r := <-done:
		if status.Code(r.Err) != codes.Unavailable || !strings.Contains(r.Err.Error(), "first connection attempt") {
			t.Fatalf("request without deadline: %v, want Unavailable naming the first connection attempt", r.Err)
		}
	case <-guard.Done():
		t.Fatal("a request without deadline waited for gRPC's own connect timeout")
	}
	if status.Code(n.LastErr()) != codes.Unavailable {
		t.Fatalf("LastErr = %v", n.LastErr())
	}
	// Later requests fail fast.
	r := send(t, guard, n, echoMethod, "later").wait(t)
	if status.Code(r.Err) != codes.Unavailable || guard.Err() != nil {
		t.Fatalf("later request: %v", r.Err)
	}
}

// A request with a deadline shorter than ConnectWait ends by its own deadline while the first
// connection attempt goes on.
func TestFirstConnectionWaitBoundedByDeadline(t *testing.T) {
	n := startNode(t, nettest.SilentListener(t)) // ConnectWait 10s
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	c := send(t, ctx, n, echoMethod, "hurried")
	rs, err := c.Next()
	c.Finish(false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("request with a deadline: responses %+v, %v; want its own deadline to end it", rs, err)
	}
}

func TestPendingRequestFailsWhenServerStops(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	if got := decode(t, send(t, ctx, n, echoMethod, "warm").wait(t)); got != "echo warm" {
		t.Fatal(got)
	}
	c := send(t, ctx, n, blockMethod, "blocked")
	select {
	case <-ts.entered:
	case <-ctx.Done():
		t.Fatal("handler never started")
	}
	if p := n.PendingCount(); p != 1 {
		t.Fatalf("PendingCount = %d with one request in flight", p)
	}
	stopped := make(chan struct{})
	go func() { ts.Stop(); close(stopped) }()
	r := c.wait(t)
	if ctx.Err() != nil {
		t.Fatal("the pending request failed only because its context expired")
	}
	if status.Code(r.Err) != codes.Unavailable {
		t.Fatalf("pending request: %+v, want Unavailable", r)
	}
	<-stopped
	if n.LastErr() == nil {
		t.Fatal("LastErr not set after the stream broke")
	}
	waitFor(t, "no pending requests", func() bool { return n.PendingCount() == 0 })
	// With the server gone, new requests fail without waiting for their context.
	r2 := send(t, ctx, n, echoMethod, "gone").wait(t)
	if status.Code(r2.Err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("request after stop: %+v", r2)
	}
}

// serveEcho serves an echo method on lis; the returned function (also run at cleanup) stops
// the server and waits for Serve to return.
func serveEcho(t *testing.T, lis net.Listener) func() {
	srv := server.New()
	srv.RegisterHandler(echoMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return in, nil
	}))
	done := make(chan struct{})
	go func() { _ = srv.Serve(lis); close(done) }()
	var once sync.Once
	stop := func() { once.Do(func() { srv.Stop(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func TestReconnectsAfterServerRestart(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	stop1 := serveEcho(t, lis)
	n := startNode(t, addr, fastBackoff())
	ctx := testCtx(t)
	if got := decode(t, send(t, ctx, n, echoMethod, "one").wait(t)); got != "one" {
		t.Fatal(got)
	}
	stop1()
	lis2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	serveEcho(t, lis2)
	// Requests may fail while the node notices and reconnects; one must succeed eventually.
	waitFor(t, "a reply from the restarted server", func() bool {
		r := send(t, ctx, n, echoMethod, "two").wait(t)
		return r.Err == nil && r.Status == nil
	})
}

func TestRequestWithEndedContextIsNotSent(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	c := callproto.NewCall(ended, &ids, callproto.Unary, 1)
	err := c.Enqueue(0, n, frameOf(t, c, blockMethod, "withdrawn"), false)
	if err != nil {
		t.Fatalf("Enqueue into a mailbox with room: %v", err)
	}
	if _, err := c.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, want context.Canceled", err)
	}
	c.Finish(false)
	// Behind it, a request of another call: once it is answered, the withdrawn one was
	// handled by the actor, and the server must not have seen it.
	if got := decode(t, send(t, ctx, n, echoMethod, "next").wait(t)); got != "echo next" {
		t.Fatal(got)
	}
	select {
	case v := <-ts.entered:
		t.Fatalf("the server got the withdrawn request %q", v)
	default:
	}
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestFinishForgetsPendingRequest(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	cctx, cancel := context.WithCancel(ctx)
	c := send(t, cctx, n, blockMethod, "b")
	<-ts.entered
	if p := n.PendingCount(); p != 1 {
		t.Fatalf("PendingCount = %d", p)
	}
	cancel()
	if _, err := c.Next(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v", err)
	}
	c.Finish(false)
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d after Finish", p)
	}
	close(ts.release) // the late reply is dropped
	if got := decode(t, send(t, ctx, n, echoMethod, "next").wait(t)); got != "echo next" {
		t.Fatal(got)
	}
}

func TestClosedNodeRefusesRequests(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	decode(t, send(t, ctx, n, echoMethod, "x").wait(t))
	n.Close()
	n.Close()
	if n.Connected() {
		t.Fatal("node connected after Close")
	}
	c := callproto.NewCall(ctx, &ids, callproto.Unary, 1)
	b, _ := wire.Encode(c.MsgID(), echoMethod, nil, nil, nil)
	err := c.Enqueue(0, n, wire.NewFrame(b), true)
	c.Finish(true)
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "manager closed") {
		t.Fatalf("Enqueue after Close = %v", err)
	}
}

func TestCloseFailsInFlightRequest(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	c := send(t, ctx, n, blockMethod, "b")
	<-ts.entered
	closed := make(chan struct{})
	go func() { n.Close(); close(closed) }()
	r := c.wait(t)
	if status.Code(r.Err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("in-flight request at Close: %+v", r)
	}
	<-closed
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d after Close", p)
	}
}

// After its first connection, a node whose connection is being made again (here: redialling
// an address where the dial hangs) fails requests fast instead of making them wait for the
// dial, and reconnects by itself once the server is back.
func TestRedialDoesNotHoldRequests(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	relisten := func() net.Listener {
		var l net.Listener
		waitFor(t, "the port to be free again", func() bool {
			var err error
			l, err = net.Listen("tcp", addr)
			return err == nil
		})
		return l
	}
	stopServer := serveEcho(t, lis)
	n := startNode(t, addr, fastBackoff())
	ctx := testCtx(t)
	if got := decode(t, send(t, ctx, n, echoMethod, "one").wait(t)); got != "one" {
		t.Fatal(got)
	}
	stopServer()
	stopSilent := nettest.Silent(t, relisten())
	waitFor(t, "the node to lose its stream", func() bool { return !n.Connected() })
	for i := range 3 {
		// The redial into the silent listener would take gRPC's 20s connect timeout; a request
		// must not wait for it. Its context only keeps a broken node from hanging the test.
		reqCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		r := send(t, reqCtx, n, echoMethod, "during").wait(t)
		cancel()
		if status.Code(r.Err) != codes.Unavailable {
			t.Fatalf("request %d while redialling: err %v, status %v; want Unavailable at once", i, r.Err, r.Status)
		}
	}
	stopSilent()
	serveEcho(t, relisten())
	waitFor(t, "a reply after the server came back", func() bool {
		r := send(t, ctx, n, echoMethod, "back").wait(t)
		return r.Err == nil && r.Status == nil
	})
}

func TestCloseRejectsQueuedRequests(t *testing.T) {
	n := startNode(t, nettest.SilentListener(t))
	ctx := testCtx(t)
	calls := make([]call, 10)
	for i := range calls {
		calls[i] = send(t, ctx, n, echoMethod, "queued")
	}
	// The node is still making its first connection, so the requests wait for it.
	n.Close()
	for i, c := range calls {
		r := c.wait(t)
		if status.Code(r.Err) != codes.Unavailable || !strings.Contains(r.Err.Error(), "manager closed") {
			t.Fatalf("call %d: %v, want Unavailable manager closed", i, r.Err)
		}
	}
	if p := n.PendingCount(); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestPerNodeMetadataAskedWithNodeID(t *testing.T) {
	// Metadata end to end is covered in package server's tests and the integration tests;
	// here only the per-node function is checked to be called with the node's ID.
	ts := startServer(t)
	got := make(chan uint32, 4)
	n := startNode(t, ts.addr, func(c *callproto.Config) {
		c.PerNodeMD = func(id uint32) metadata.MD {
			got <- id
			return nil
		}
	})
	ctx := testCtx(t)
	decode(t, send(t, ctx, n, echoMethod, "x").wait(t))
	if id := <-got; id != 1 {
		t.Fatalf("per-node metadata asked for node %d", id)
	}
}

// A per-node metadata function that panics fails the connect: requests fail with
// Unavailable naming the panic (the node's LastErr says so too), the connect is retried with
// backoff, and once the function works the node connects.
func TestPerNodeMetadataPanicFailsConnect(t *testing.T) {
	ts := startServer(t)
	var works atomic.Bool // until the test has seen the failure, the function panics
	n := startNode(t, ts.addr, func(c *callproto.Config) {
		c.Backoff = backoff.Config{BaseDelay: 20 * time.Millisecond, Multiplier: 1.6, MaxDelay: 200 * time.Millisecond}
		c.PerNodeMD = func(uint32) metadata.MD {
			if !works.Load() {
				panic("no metadata yet")
			}
			return nil
		}
	})
	ctx := testCtx(t)
	r := send(t, ctx, n, echoMethod, "x").wait(t)
	if status.Code(r.Err) != codes.Unavailable || !strings.Contains(r.Err.Error(), "no metadata yet") {
		t.Fatalf("request while the metadata function panics: %v, want Unavailable naming the panic", r.Err)
	}
	if err := n.LastErr(); err == nil || !strings.Contains(err.Error(), "no metadata yet") {
		t.Fatalf("LastErr = %v, want the panic", err)
	}
	works.Store(true)
	waitFor(t, "the node to connect once the function works", n.Connected)
	if got := decode(t, send(t, ctx, n, echoMethod, "y").wait(t)); got != "echo y" {
		t.Fatalf("reply %q", got)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMalformedReplyFailsRequest(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	gs.RegisterService(wire.ServiceDesc(func(_ any, ss grpc.ServerStream) error {
		var m wire.Message
		if err := ss.RecvMsg(&m); err != nil {
			return err
		}
		if err := ss.SendMsg(&wire.Frame{Bytes: []byte{5, 0x08}}); err != nil {
			return err
		}
		<-ss.Context().Done()
		return nil
	}), nil)
	done := make(chan struct{})
	go func() { _ = gs.Serve(lis); close(done) }()
	t.Cleanup(func() { gs.Stop(); <-done })

	n := startNode(t, lis.Addr().String())
	ctx := testCtx(t)
	r := send(t, ctx, n, echoMethod, "x").wait(t)
	if ctx.Err() != nil || r.Err == nil {
		t.Fatalf("response %+v (ctx %v), want an error", r, ctx.Err())
	}
	if c := status.Code(r.Err); c != codes.Internal || !strings.Contains(r.Err.Error(), "malformed") {
		t.Fatalf("error %v, want Internal mentioning malformed", r.Err)
	}
	waitFor(t, "no pending requests", func() bool { return n.PendingCount() == 0 })
}

// A call that has returned with a result has its queued requests sent even if its context
// ends afterwards (the usual defer cancel()).
func TestRequestOfReturnedCallIsSentDespiteEndedContext(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	// A one-node call whose request is queued behind a blocked one: it returns (Finish with
	// a result) and its context ends before the actor gets to it.
	blocked := send(t, ctx, n, blockMethod, "first")
	<-ts.entered
	cctx, cancel := context.WithCancel(ctx)
	c := callproto.NewCall(cctx, &ids, callproto.Unary, 1)
	if err := c.Enqueue(0, n, frameOf(t, c, blockMethod, "after-return"), true); err != nil {
		t.Fatal(err)
	}
	c.Finish(true)
	cancel()
	close(ts.release)
	decode(t, blocked.wait(t))
	select {
	case v := <-ts.entered:
		if v != "after-return" {
			t.Fatalf("server got %q", v)
		}
	case <-ctx.Done():
		t.Fatal("the server never got the request of the returned call")
	}
	waitFor(t, "no pending requests", func() bool { return n.PendingCount() == 0 })
}

// A panic in user code the node actor runs (here the per-node metadata function, called on
// every connection attempt) fails the requests; the actor lives on and retries.
func TestPanicInNodeActorFailsRequests(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr, fastBackoff(), func(c *callproto.Config) {
		c.PerNodeMD = func(uint32) metadata.MD { panic("metadata function failed") }
	})
	ctx := testCtx(t)
	for i := range 3 {
		r := send(t, ctx, n, echoMethod, "x").wait(t)
		if code := status.Code(r.Err); code != codes.Internal && code != codes.Unavailable {
			t.Fatalf("request %d: %v, want Internal (or Unavailable between attempts)", i, r.Err)
		}
	}
}

// A message that gRPC would refuse as too large fails alone: the stream stays up, and the
// requests in flight on it, and after it, are answered.
func TestOversizedRequestFailsAloneStreamStaysUp(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr, func(c *callproto.Config) {
		c.DialOpts = append(c.DialOpts, grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<10)))
	})
	ctx := testCtx(t)
	decode(t, send(t, ctx, n, echoMethod, "warm").wait(t))
	inFlight := send(t, ctx, n, blockMethod, "in flight")
	<-ts.entered
	big := send(t, ctx, n, echoMethod, strings.Repeat("x", 100<<10)).wait(t)
	if status.Code(big.Err) != codes.ResourceExhausted {
		t.Fatalf("100 KiB request: %v, want ResourceExhausted", big.Err)
	}
	close(ts.release)
	if got := decode(t, inFlight.wait(t)); got != "in flight" {
		t.Fatalf("in-flight request: %q", got)
	}
	if got := decode(t, send(t, ctx, n, echoMethod, "after").wait(t)); got != "echo after" {
		t.Fatalf("request after: %q", got)
	}
	if n.LastErr() != nil {
		t.Fatalf("LastErr = %v: the stream must not have broken", n.LastErr())
	}
}

// When a server goes away, the node's requests and its LastErr say Unavailable, whichever of
// the actor's send and the stream's receiver notices first; never the Canceled of the stream
// the actor dropped.
func TestStoppedServerIsUnavailableNotCanceled(t *testing.T) {
	for i := range 30 {
		ts := startServer(t)
		n := startNode(t, ts.addr)
		ctx := testCtx(t)
		decode(t, send(t, ctx, n, echoMethod, "warm").wait(t))
		ts.Stop()
		for j := 0; ; j++ {
			r := send(t, ctx, n, echoMethod, "after").wait(t)
			if r.Err == nil {
				if j > 1000 {
					t.Fatal("requests still answered long after the server stopped")
				}
				continue
			}
			if status.Code(r.Err) != codes.Unavailable {
				t.Fatalf("round %d: request after the server stopped: %v, want Unavailable", i, r.Err)
			}
			break
		}
		if err := n.LastErr(); status.Code(err) == codes.Canceled || err == nil {
			t.Fatalf("round %d: LastErr = %v", i, err)
		}
		r := send(t, ctx, n, echoMethod, "later").wait(t)
		if status.Code(r.Err) != codes.Unavailable {
			t.Fatalf("round %d: a later request: %v, want Unavailable", i, r.Err)
		}
		n.Close()
	}
}

// panickyStats is a gRPC stats handler that panics on a sent message while armed.
type panickyStats struct{ armed atomic.Bool }

func (p *panickyStats) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (p *panickyStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (p *panickyStats) HandleConn(context.Context, stats.ConnStats) {}
func (p *panickyStats) HandleRPC(_ context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.OutPayload); ok && p.armed.Load() {
		panic("stats handler failed")
	}
}

// User code that panics while a request goes on the stream (a stats handler) fails that
// request with Internal, on whatever goroutine sends it; the caller lives, and so does the node.
func TestPanicWhileSendingFailsRequest(t *testing.T) {
	ts := startServer(t)
	h := &panickyStats{}
	n := startNode(t, ts.addr, func(c *callproto.Config) {
		c.DialOpts = append(c.DialOpts, grpc.WithStatsHandler(h))
	})
	ctx := testCtx(t)
	decode(t, send(t, ctx, n, echoMethod, "before").wait(t))
	h.armed.Store(true)
	// The stats handler runs once gRPC has taken the message, so the request reaches the server;
	// a handler that blocks keeps its reply from overtaking the failure.
	r := send(t, ctx, n, blockMethod, "during").wait(t)
	if status.Code(r.Err) != codes.Internal || !strings.Contains(r.Err.Error(), "stats handler failed") {
		t.Fatalf("request while the stats handler panics: %v, want Internal naming the panic", r.Err)
	}
	h.armed.Store(false)
	close(ts.release) // the blocked handler returns, and the stream serves the next request
	waitFor(t, "a reply once the handler behaves", func() bool {
		r := send(t, ctx, n, echoMethod, "after").wait(t)
		return r.Err == nil && r.Status == nil
	})
}

// A request that reaches the stream only after its call returned (it was still queued) is sent,
// and its reply, which no one waits for, still counts for the node's latency: a node whose
// requests lag behind every quorum must not keep the latency of a node never heard from.
func TestRequestSentAfterItsCallReturnedIsMeasured(t *testing.T) {
	ts := startServer(t)
	n := startNode(t, ts.addr)
	ctx := testCtx(t)
	c := callproto.NewCall(ctx, &ids, callproto.Unary, 1)
	c.SetDecoder(decodeString)
	c.Finish(true) // the call returned (its quorum came from other nodes)
	if err := c.Enqueue(0, n, frameOf(t, c, echoMethod, "late"), true); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	waitFor(t, "the late reply to count for the node's latency", func() bool { return n.Latency() > 0 })
}
