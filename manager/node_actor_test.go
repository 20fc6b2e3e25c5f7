package manager_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/nettest"
	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/manager"
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

func newManager(t *testing.T, opts ...manager.Option) *manager.Manager {
	t.Helper()
	opts = append([]manager.Option{manager.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))}, opts...)
	m := manager.New(opts...)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func addNode(t *testing.T, m *manager.Manager, addr string) *manager.Node {
	t.Helper()
	nodes, _, err := m.AddNodes([]manager.NodeSpec{{ID: 1, Addr: addr}})
	if err != nil {
		t.Fatal(err)
	}
	return nodes[0]
}

// call is one request in flight.
type call struct {
	msgID uint64
	reply chan manager.Response
	sent  chan error
}

func send(t *testing.T, ctx context.Context, n *manager.Node, method, value string) *call {
	t.Helper()
	id := manager.NextMsgID(n)
	b, err := wire.Encode(id, method, nil, nil, wrapperspb.String(value))
	if err != nil {
		t.Fatal(err)
	}
	c := &call{msgID: id, reply: make(chan manager.Response, 1), sent: make(chan error, 1)}
	if err := manager.Enqueue(n, manager.Request{Ctx: ctx, MsgID: id, Frame: &wire.Frame{Bytes: b}, Reply: c.reply, Sent: c.sent}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return c
}

func (c *call) wait(t *testing.T, ctx context.Context) manager.Response {
	t.Helper()
	select {
	case r := <-c.reply:
		return r
	case <-ctx.Done():
		t.Fatalf("no response for message %d: %v", c.msgID, ctx.Err())
		return manager.Response{}
	}
}

func decode(t *testing.T, r manager.Response) string {
	t.Helper()
	if r.Err != nil || r.Status != nil {
		t.Fatalf("response error %v, status %v", r.Err, r.Status)
	}
	var out wrapperspb.StringValue
	if err := proto.Unmarshal(r.Payload, &out); err != nil {
		t.Fatal(err)
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
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	// Sent at once, while the node is still making its first connection.
	c := send(t, ctx, n, echoMethod, "first")
	r := c.wait(t, ctx)
	if got := decode(t, r); got != "echo first" {
		t.Fatalf("reply %q", got)
	}
	if r.NodeID != 1 {
		t.Fatalf("NodeID = %d", r.NodeID)
	}
	if err := <-c.sent; err != nil {
		t.Fatalf("Sent = %v", err)
	}
	if !n.Connected() {
		t.Fatal("node not connected after a reply")
	}
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	if n.Latency() <= 0 {
		t.Fatalf("Latency = %v after a reply", n.Latency())
	}
	if n.LastErr() != nil {
		t.Fatalf("LastErr = %v", n.LastErr())
	}
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d after the reply", p)
	}
}

func TestRepliesInOrderManyRequests(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	calls := make([]*call, 200)
	for i := range calls {
		calls[i] = send(t, ctx, n, echoMethod, strings.Repeat("x", i))
	}
	for i, c := range calls {
		if got := decode(t, c.wait(t, ctx)); got != "echo "+strings.Repeat("x", i) {
			t.Fatalf("call %d: reply %q", i, got)
		}
	}
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestHandlerErrorComesBackAsStatus(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	r := send(t, ctx, n, "test.Svc.Missing", "x").wait(t, ctx)
	if r.Err != nil || r.Status == nil || codes.Code(r.Status.Code) != codes.Unimplemented {
		t.Fatalf("response %+v, want an Unimplemented status", r)
	}
	// The stream lives on.
	if got := decode(t, send(t, ctx, n, echoMethod, "after").wait(t, ctx)); got != "echo after" {
		t.Fatalf("reply %q", got)
	}
}

func TestNothingListeningFailsFast(t *testing.T) {
	m := newManager(t)
	n := addNode(t, m, nettest.DeadAddr(t))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := send(t, ctx, n, echoMethod, "x")
	var r manager.Response
	select {
	case r = <-c.reply:
	case <-ctx.Done():
		t.Fatal("no response before the context expired: the request did not fail fast")
	}
	if ctx.Err() != nil {
		t.Fatalf("the context had expired (%v) by the time the error came", ctx.Err())
	}
	if status.Code(r.Err) != codes.Unavailable {
		t.Fatalf("error %v, want Unavailable", r.Err)
	}
	if err := <-c.sent; status.Code(err) != codes.Unavailable {
		t.Fatalf("Sent = %v, want Unavailable", err)
	}
	if n.LastErr() == nil {
		t.Fatal("LastErr not set after a failed connection attempt")
	}
	if n.Connected() {
		t.Fatal("Connected with nothing listening")
	}
	// A later request fails fast too (the node is in backoff).
	r2 := send(t, ctx, n, echoMethod, "y").wait(t, ctx)
	if status.Code(r2.Err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("second request: %v (ctx %v)", r2.Err, ctx.Err())
	}
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestPendingRequestFailsWhenServerStops(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	if got := decode(t, send(t, ctx, n, echoMethod, "warm").wait(t, ctx)); got != "echo warm" {
		t.Fatal(got)
	}
	c := send(t, ctx, n, blockMethod, "blocked")
	select {
	case <-ts.entered:
	case <-ctx.Done():
		t.Fatal("handler never started")
	}
	if p := manager.PendingCount(n); p != 1 {
		t.Fatalf("PendingCount = %d with one request in flight", p)
	}
	stopped := make(chan struct{})
	go func() { ts.Stop(); close(stopped) }()
	r := c.wait(t, ctx)
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
	waitFor(t, "no pending requests", func() bool { return manager.PendingCount(n) == 0 })
	// With the server gone, new requests fail without waiting for their context.
	r2 := send(t, ctx, n, echoMethod, "gone").wait(t, ctx)
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
	serve := func(lis net.Listener) func() { return serveEcho(t, lis) }
	stop1 := serve(lis)
	m := newManager(t, manager.WithBackoff(backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.2, MaxDelay: 50 * time.Millisecond}))
	n := addNode(t, m, addr)
	ctx := testCtx(t)
	if got := decode(t, send(t, ctx, n, echoMethod, "one").wait(t, ctx)); got != "one" {
		t.Fatal(got)
	}
	stop1()
	lis2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", addr, err)
	}
	serve(lis2)
	// Requests may fail while the node notices and reconnects; one must succeed eventually.
	waitFor(t, "a reply from the restarted server", func() bool {
		r := send(t, ctx, n, echoMethod, "two").wait(t, ctx)
		return r.Err == nil && r.Status == nil
	})
}

func TestRequestWithEndedContextIsNotSent(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	id := manager.NextMsgID(n)
	b, _ := wire.Encode(id, echoMethod, nil, nil, wrapperspb.String("x"))
	sent := make(chan error, 1)
	err := manager.Enqueue(n, manager.Request{Ctx: ended, MsgID: id, Frame: &wire.Frame{Bytes: b}, Reply: make(chan manager.Response, 1), Sent: sent})
	if err == nil {
		// Queued: the actor must not send it.
		if err := <-sent; !errors.Is(err, context.Canceled) {
			t.Fatalf("Sent = %v, want context.Canceled", err)
		}
	} else if !errors.Is(err, context.Canceled) {
		t.Fatalf("Enqueue = %v", err)
	}
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestForget(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	c := send(t, ctx, n, blockMethod, "b")
	<-ts.entered
	if err := <-c.sent; err != nil {
		t.Fatal(err)
	}
	if p := manager.PendingCount(n); p != 1 {
		t.Fatalf("PendingCount = %d", p)
	}
	manager.Forget(n, c.msgID)
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d after Forget", p)
	}
	close(ts.release) // the late reply is dropped
	if got := decode(t, send(t, ctx, n, echoMethod, "next").wait(t, ctx)); got != "echo next" {
		t.Fatal(got)
	}
	select {
	case r := <-c.reply:
		t.Fatalf("a forgotten request got %+v", r)
	default:
	}
}

func TestCloseTwice(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	decode(t, send(t, ctx, n, echoMethod, "x").wait(t, ctx))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n.Connected() {
		t.Fatal("node connected after Close")
	}
	id := manager.NextMsgID(n)
	b, _ := wire.Encode(id, echoMethod, nil, nil, nil)
	err := manager.Enqueue(n, manager.Request{Ctx: ctx, MsgID: id, Frame: &wire.Frame{Bytes: b}})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "manager closed") {
		t.Fatalf("Enqueue after Close = %v", err)
	}
	if _, _, err := m.AddNodes([]manager.NodeSpec{{ID: 2, Addr: ts.addr}}); !errors.Is(err, manager.ErrClosed) {
		t.Fatalf("AddNodes after Close = %v", err)
	}
}

func TestCloseWithNoNodes(t *testing.T) {
	m := manager.New()
	_ = m.Close()
	_ = m.Close()
}

func TestCloseFailsInFlightRequest(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	c := send(t, ctx, n, blockMethod, "b")
	<-ts.entered
	closed := make(chan struct{})
	go func() { _ = m.Close(); close(closed) }()
	r := c.wait(t, ctx)
	if status.Code(r.Err) != codes.Unavailable || ctx.Err() != nil {
		t.Fatalf("in-flight request at Close: %+v", r)
	}
	<-closed
	if p := manager.PendingCount(n); p != 0 {
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
	serve := func(lis net.Listener) func() { return serveEcho(t, lis) }
	relisten := func() net.Listener {
		var l net.Listener
		waitFor(t, "the port to be free again", func() bool {
			var err error
			l, err = net.Listen("tcp", addr)
			return err == nil
		})
		return l
	}
	stopServer := serve(lis)
	m := newManager(t, manager.WithBackoff(backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.2, MaxDelay: 50 * time.Millisecond}))
	n := addNode(t, m, addr)
	ctx := testCtx(t)
	if got := decode(t, send(t, ctx, n, echoMethod, "one").wait(t, ctx)); got != "one" {
		t.Fatal(got)
	}
	stopServer()
	stopSilent := nettest.Silent(t, relisten())
	waitFor(t, "the node to lose its stream", func() bool { return !n.Connected() })
	for i := range 3 {
		// The redial into the silent listener would take gRPC's 20s connect timeout; a request
		// must not wait for it. Its context only keeps a broken node from hanging the test.
		reqCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		r := send(t, reqCtx, n, echoMethod, "during").wait(t, reqCtx)
		cancel()
		if status.Code(r.Err) != codes.Unavailable {
			t.Fatalf("request %d while redialling: err %v, status %v; want Unavailable at once", i, r.Err, r.Status)
		}
	}
	stopSilent()
	serve(relisten())
	waitFor(t, "a reply after the server came back", func() bool {
		r := send(t, ctx, n, echoMethod, "back").wait(t, ctx)
		return r.Err == nil && r.Status == nil
	})
}

func TestCloseRejectsQueuedRequests(t *testing.T) {
	addr := nettest.SilentListener(t)
	m := newManager(t)
	n := addNode(t, m, addr)
	ctx := testCtx(t)
	calls := make([]*call, 10)
	for i := range calls {
		calls[i] = send(t, ctx, n, echoMethod, "queued")
	}
	// The node is still making its first connection, so the requests wait in its mailbox.
	for _, c := range calls {
		select {
		case r := <-c.reply:
			t.Fatalf("a request queued behind the first connection attempt was answered: %+v", r)
		default:
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	for i, c := range calls {
		r := c.wait(t, ctx)
		if status.Code(r.Err) != codes.Unavailable || !strings.Contains(r.Err.Error(), "manager closed") {
			t.Fatalf("call %d: %v, want Unavailable manager closed", i, r.Err)
		}
		if err := <-c.sent; status.Code(err) != codes.Unavailable {
			t.Fatalf("call %d: Sent = %v", i, err)
		}
	}
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d", p)
	}
}

func TestMetadataReachesServer(t *testing.T) {
	// Covered end to end in package server's tests and the integration tests; here only the
	// per-node function is checked to be called with the node's ID.
	ts := startServer(t)
	got := make(chan uint32, 4)
	m := newManager(t, manager.WithPerNodeMetadata(func(id uint32) metadata.MD {
		got <- id
		return nil
	}))
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	decode(t, send(t, ctx, n, echoMethod, "x").wait(t, ctx))
	if id := <-got; id != 1 {
		t.Fatalf("per-node metadata asked for node %d", id)
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

	m := newManager(t)
	n := addNode(t, m, lis.Addr().String())
	ctx := testCtx(t)
	r := send(t, ctx, n, echoMethod, "x").wait(t, ctx)
	if ctx.Err() != nil || r.Err == nil {
		t.Fatalf("response %+v (ctx %v), want an error", r, ctx.Err())
	}
	if c := status.Code(r.Err); c != codes.Internal || !strings.Contains(r.Err.Error(), "malformed") {
		t.Fatalf("error %v, want Internal mentioning malformed", r.Err)
	}
	waitFor(t, "no pending requests", func() bool { return manager.PendingCount(n) == 0 })
}

// A call that has returned with a result closes its requests' Done. Cancelling its context
// afterwards (the usual defer cancel()) must not keep a queued request from its node.
func TestRequestOfReturnedCallIsSentDespiteEndedContext(t *testing.T) {
	ts := startServer(t)
	m := newManager(t)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	if err := n.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	returned := make(chan struct{})
	close(returned)
	id := manager.NextMsgID(n)
	b, _ := wire.Encode(id, blockMethod, nil, nil, wrapperspb.String("after-return"))
	sent := make(chan error, 1)
	if err := manager.Enqueue(n, manager.Request{Ctx: ended, Done: returned, MsgID: id, Frame: &wire.Frame{Bytes: b}, Reply: make(chan manager.Response, 1), Sent: sent}); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("Sent = %v, want nil: the request of a returned call is still sent", err)
	}
	select {
	case v := <-ts.entered:
		if v != "after-return" {
			t.Fatalf("server got %q", v)
		}
	case <-ctx.Done():
		t.Fatal("the server never got the request")
	}
	if p := manager.PendingCount(n); p != 0 {
		t.Fatalf("PendingCount = %d: no reply is awaited for a returned call", p)
	}
	close(ts.release)
}

// A panic in user code the node actor runs (here the per-node metadata function, called on
// every connection attempt) fails the request with Internal; the actor lives on and retries.
func TestPanicInNodeActorFailsRequestWithInternal(t *testing.T) {
	ts := startServer(t)
	m := newManager(t,
		manager.WithBackoff(backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1.2, MaxDelay: 50 * time.Millisecond}),
		manager.WithPerNodeMetadata(func(uint32) metadata.MD { panic("metadata function failed") }),
	)
	n := addNode(t, m, ts.addr)
	ctx := testCtx(t)
	for i := range 3 {
		c := send(t, ctx, n, echoMethod, "x")
		r := c.wait(t, ctx)
		if code := status.Code(r.Err); code != codes.Internal && code != codes.Unavailable {
			t.Fatalf("request %d: %v, want Internal (or Unavailable between attempts)", i, r.Err)
		}
		if err := <-c.sent; status.Code(err) != codes.Internal && status.Code(err) != codes.Unavailable {
			t.Fatalf("request %d: Sent = %v", i, err)
		}
	}
}
