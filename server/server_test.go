package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	echoMethod   = "test.Svc.Echo"
	panicMethod  = "test.Svc.Panic"
	oneWayMethod = "test.Svc.OneWay"
	streamMethod = "test.Svc.Stream"
	errorMethod  = "test.Svc.Error"
)

type testServer struct {
	srv    *server.Server
	addr   string
	served chan error
	once   sync.Once
}

// startServer serves srv on loopback; register handlers first. Cleanup stops it.
func startServer(t *testing.T, srv *server.Server) *testServer {
	t.Helper()
	srv.RegisterHandler(echoMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return wrapperspb.String("echo " + in.GetValue()), nil
	}))
	srv.RegisterHandler(panicMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		panic("handler bug: " + in.GetValue())
	}))
	srv.RegisterHandler(errorMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return nil, status.Error(codes.NotFound, "no "+in.GetValue())
	}))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{srv: srv, addr: lis.Addr().String(), served: make(chan error, 1)}
	go func() { ts.served <- srv.Serve(lis) }()
	t.Cleanup(func() { ts.stop(t, srv.Stop) })
	return ts
}

// stop stops the server once, with Stop or GracefulStop, and checks Serve's result.
func (ts *testServer) stop(t *testing.T, how func()) {
	ts.once.Do(func() {
		how()
		if err := <-ts.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

type clientStream struct {
	t      *testing.T
	conn   *grpc.ClientConn
	stream grpc.ClientStream
	cancel context.CancelFunc
	nextID uint64
}

// openStream opens a raw NodeStream to addr; kv are stream metadata pairs.
func openStream(t *testing.T, addr string, kv ...string) *clientStream {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if len(kv) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, kv...)
	}
	stream, err := conn.NewStream(ctx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
	if err != nil {
		cancel()
		_ = conn.Close()
		t.Fatal(err)
	}
	cs := &clientStream{t: t, conn: conn, stream: stream, cancel: cancel}
	t.Cleanup(cs.close)
	return cs
}

func (cs *clientStream) close() {
	cs.cancel()
	_ = cs.conn.Close()
}

// send sends a request and returns its message ID.
func (cs *clientStream) send(method, value string, entries ...wire.Entry) uint64 {
	cs.t.Helper()
	cs.nextID++
	b, err := wire.Encode(cs.nextID, method, nil, entries, wrapperspb.String(value))
	if err != nil {
		cs.t.Fatal(err)
	}
	cs.sendRaw(b)
	return cs.nextID
}

func (cs *clientStream) sendRaw(b []byte) {
	cs.t.Helper()
	if err := cs.stream.SendMsg(&wire.Frame{Bytes: b}); err != nil {
		cs.t.Fatalf("SendMsg: %v", err)
	}
}

func (cs *clientStream) recv() *wire.Message {
	cs.t.Helper()
	m := new(wire.Message)
	if err := cs.stream.RecvMsg(m); err != nil {
		cs.t.Fatalf("RecvMsg: %v", err)
	}
	return m
}

// recvValue receives a reply to request id that must be a StringValue.
func (cs *clientStream) recvValue(id uint64, method string) string {
	cs.t.Helper()
	m := cs.recv()
	if m.MessageID != id || m.Method != method {
		cs.t.Fatalf("reply %d %q, want %d %q", m.MessageID, m.Method, id, method)
	}
	if m.Status != nil {
		cs.t.Fatalf("reply %d: status %v", id, m.Status)
	}
	var v wrapperspb.StringValue
	if err := proto.Unmarshal(m.Payload, &v); err != nil {
		cs.t.Fatal(err)
	}
	return v.GetValue()
}

// recvStatus receives a reply to request id that must carry a status with the given code.
func (cs *clientStream) recvStatus(id uint64, code codes.Code) string {
	cs.t.Helper()
	m := cs.recv()
	if m.MessageID != id {
		cs.t.Fatalf("reply to %d, want %d", m.MessageID, id)
	}
	if m.Status == nil || codes.Code(m.Status.Code) != code {
		cs.t.Fatalf("reply %d: status %v, want %v", id, m.Status, code)
	}
	return m.Status.Message
}

// echo checks that the stream still works.
func (cs *clientStream) echo(v string) {
	cs.t.Helper()
	id := cs.send(echoMethod, v)
	if got := cs.recvValue(id, echoMethod); got != "echo "+v {
		cs.t.Fatalf("echo %q: got %q", v, got)
	}
}

func TestEcho(t *testing.T) {
	ts := startServer(t, server.New())
	cs := openStream(t, ts.addr)
	cs.echo("hello")
	cs.echo("")
}

func TestUnknownMethodIsUnimplemented(t *testing.T) {
	ts := startServer(t, server.New())
	cs := openStream(t, ts.addr)
	id := cs.send("test.Svc.NoSuchMethod", "x")
	if msg := cs.recvStatus(id, codes.Unimplemented); !strings.Contains(msg, "test.Svc.NoSuchMethod") {
		t.Fatalf("status message %q does not name the method", msg)
	}
	cs.echo("after")
}

// TestUnknownLongMethodEchoesAtMost256Bytes: a request for an unknown method whose name is
// 1 MiB long gets an Unimplemented reply that carries at most the name's first 256 bytes, in
// its status message and in its envelope.
func TestUnknownLongMethodEchoesAtMost256Bytes(t *testing.T) {
	ts := startServer(t, server.New())
	cs := openStream(t, ts.addr)
	for _, tc := range []struct {
		name string
		kept string
	}{
		{"x." + strings.Repeat("y", 1<<20), "x." + strings.Repeat("y", server.MaxEchoedMethodLen-2)},
		// A two-byte rune straddles the cut: the whole rune is left out.
		{strings.Repeat("a", server.MaxEchoedMethodLen-1) + "é" + strings.Repeat("b", 100), strings.Repeat("a", server.MaxEchoedMethodLen-1)},
	} {
		id := cs.send(tc.name, "x")
		m := cs.recv()
		if m.MessageID != id || m.Status == nil || codes.Code(m.Status.Code) != codes.Unimplemented {
			t.Fatalf("reply %d status %v, want %d Unimplemented", m.MessageID, m.Status, id)
		}
		if m.Method != tc.kept {
			t.Errorf("reply's method is %d bytes (%.20q...), want the first %d bytes of the name", len(m.Method), m.Method, len(tc.kept))
		}
		if !strings.Contains(m.Status.Message, tc.kept) || len(m.Status.Message) > 2*server.MaxEchoedMethodLen {
			t.Errorf("status message of %d bytes: %.80q...", len(m.Status.Message), m.Status.Message)
		}
	}
	cs.echo("after")
}

func TestUnparsablePayloadIsInvalidArgument(t *testing.T) {
	ts := startServer(t, server.New())
	cs := openStream(t, ts.addr)
	// Field 1, length 5, but no bytes follow: not a StringValue.
	b, err := wire.AppendMessage(nil, &wire.Message{MessageID: 77, Method: echoMethod, Payload: []byte{0x0a, 0x05}})
	if err != nil {
		t.Fatal(err)
	}
	cs.sendRaw(b)
	cs.recvStatus(77, codes.InvalidArgument)
	cs.echo("after")
}

func TestHandlerErrorIsSentAsStatus(t *testing.T) {
	ts := startServer(t, server.New())
	cs := openStream(t, ts.addr)
	id := cs.send(errorMethod, "key")
	if msg := cs.recvStatus(id, codes.NotFound); msg != "no key" {
		t.Fatalf("status message %q", msg)
	}
	cs.echo("after")
}

func TestMalformedEnvelopeEndsOnlyItsStream(t *testing.T) {
	ts := startServer(t, server.New())
	bad := openStream(t, ts.addr)
	other := openStream(t, ts.addr)
	other.echo("before")

	bad.sendRaw([]byte{5, 0x08}) // metadata length 5, one byte present
	err := bad.stream.RecvMsg(new(wire.Message))
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "malformed") {
		t.Fatalf("stream error %v, want InvalidArgument mentioning malformed", err)
	}

	other.echo("still served")
	openStream(t, ts.addr).echo("new stream")
}

// TestHandlerPanicIsInternal: the client gets Internal with the panic's value, the server logs
// the panic at Error with the handler's stack, and the stream lives on.
func TestHandlerPanicIsInternal(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	ts := startServer(t, server.New(server.WithLogger(zap.New(core))))
	cs := openStream(t, ts.addr)
	id := cs.send(panicMethod, "oops")
	if msg := cs.recvStatus(id, codes.Internal); !strings.Contains(msg, "handler bug: oops") {
		t.Fatalf("status message %q", msg)
	}
	cs.echo("after")
	id = cs.send(panicMethod, "again")
	cs.recvStatus(id, codes.Internal)
	cs.echo("after again")

	entries := logs.FilterMessage("handler panicked").All()
	if len(entries) != 2 {
		t.Fatalf("%d handler panics logged, want 2: %v", len(entries), logs.All())
	}
	fields := entries[0].ContextMap()
	if entries[0].Level != zap.ErrorLevel || fields["method"] != panicMethod || fields["panic"] != "handler bug: oops" {
		t.Errorf("logged %v %v", entries[0].Level, fields)
	}
	// The stack names the handler that panicked.
	if stack, _ := fields["stack"].(string); !strings.Contains(stack, "server_test.startServer") {
		t.Errorf("logged stack does not show the handler:\n%s", stack)
	}
}

// TestConnectCallbackPanicFailsOnlyItsStream: a connect callback that panics for one client
// fails that client's stream with Internal (logged with its stack); the server serves the next.
func TestConnectCallbackPanicFailsOnlyItsStream(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	srv := server.New(server.WithLogger(zap.New(core)), server.WithConnectCallback(func(ctx context.Context) {
		md, _ := metadata.FromIncomingContext(ctx)
		if len(md.Get("bad")) > 0 {
			panic("callback bug")
		}
	}))
	ts := startServer(t, srv)
	bad := openStream(t, ts.addr, "bad", "1")
	err := bad.stream.RecvMsg(new(wire.Message))
	if st, _ := status.FromError(err); st.Code() != codes.Internal || !strings.Contains(st.Message(), "callback bug") {
		t.Fatalf("stream whose connect callback panicked ended with %v, want Internal naming the panic", err)
	}
	openStream(t, ts.addr).echo("next client")
	entries := logs.FilterMessage("connect callback panicked").All()
	if len(entries) != 1 {
		t.Fatalf("logged %v", logs.All())
	}
	if stack, _ := entries[0].ContextMap()["stack"].(string); !strings.Contains(stack, "TestConnectCallbackPanicFailsOnlyItsStream") {
		t.Errorf("logged stack does not show the callback:\n%s", stack)
	}
}

func TestInOrderPerStream(t *testing.T) {
	srv := server.New()
	var (
		mu    sync.Mutex
		order []string
	)
	srv.RegisterHandler("test.Svc.Record", server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		mu.Lock()
		order = append(order, in.GetValue())
		mu.Unlock()
		return in, nil
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)
	const n = 100
	ids := make([]uint64, n)
	for i := range n {
		ids[i] = cs.send("test.Svc.Record", fmt.Sprint(i))
	}
	for i := range n {
		if got := cs.recvValue(ids[i], "test.Svc.Record"); got != fmt.Sprint(i) {
			t.Fatalf("reply %d: %q", i, got)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for i, v := range order {
		if v != fmt.Sprint(i) {
			t.Fatalf("handled out of order: %v", order)
		}
	}
	if len(order) != n {
		t.Fatalf("handled %d requests", len(order))
	}
}

// blocker is a handler that reports when it starts and waits for its request's gate.
type blocker struct {
	started chan string
	mu      sync.Mutex
	gates   map[string]chan struct{}
	release bool // call ServerCtx.Release before blocking
}

func newBlocker(release bool) *blocker {
	return &blocker{started: make(chan string, 16), gates: map[string]chan struct{}{}, release: release}
}

func (b *blocker) gate(v string) chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	g, ok := b.gates[v]
	if !ok {
		g = make(chan struct{})
		b.gates[v] = g
	}
	return g
}

func (b *blocker) open(v string) { close(b.gate(v)) }

func (b *blocker) handler() server.Handler {
	return server.UnaryHandler(func(ctx server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		if b.release {
			ctx.Release()
			ctx.Release() // twice does nothing
		}
		b.started <- in.GetValue()
		select {
		case <-b.gate(in.GetValue()):
			return in, nil
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	})
}

func TestReleaseLetsNextRequestStart(t *testing.T) {
	srv := server.New()
	b := newBlocker(true)
	srv.RegisterHandler("test.Svc.Block", b.handler())
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)

	k := cs.send("test.Svc.Block", "k")
	if v := <-b.started; v != "k" {
		t.Fatalf("started %q", v)
	}
	// k is blocked but released its stream: k+1 starts and is answered while k waits.
	next := cs.send(echoMethod, "k+1")
	if got := cs.recvValue(next, echoMethod); got != "echo k+1" {
		t.Fatal(got)
	}
	// A released handler blocking as well: both wait at once.
	k2 := cs.send("test.Svc.Block", "k2")
	if v := <-b.started; v != "k2" {
		t.Fatalf("started %q", v)
	}
	b.open("k2")
	if got := cs.recvValue(k2, "test.Svc.Block"); got != "k2" {
		t.Fatal(got)
	}
	b.open("k")
	if got := cs.recvValue(k, "test.Svc.Block"); got != "k" {
		t.Fatal(got)
	}
	cs.echo("after")
}

func TestWithoutReleaseNextRequestWaits(t *testing.T) {
	srv := server.New()
	b := newBlocker(false)
	srv.RegisterHandler("test.Svc.Block", b.handler())
	var kOpen atomic.Bool
	var nextSawKOpen = make(chan bool, 1)
	srv.RegisterHandler("test.Svc.Next", server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		nextSawKOpen <- kOpen.Load()
		return in, nil
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)

	k := cs.send("test.Svc.Block", "k")
	<-b.started
	next := cs.send("test.Svc.Next", "k+1")
	// Another stream is served meanwhile, and by then k+1 has still not started.
	openStream(t, ts.addr).echo("independent")
	select {
	case <-nextSawKOpen:
		t.Fatal("request k+1 started while handler k was blocked without Release")
	default:
	}
	kOpen.Store(true)
	b.open("k")
	if !<-nextSawKOpen {
		t.Fatal("request k+1 started before handler k was let go")
	}
	// Replies come in order: k's before k+1's.
	if got := cs.recvValue(k, "test.Svc.Block"); got != "k" {
		t.Fatal(got)
	}
	if got := cs.recvValue(next, "test.Svc.Next"); got != "k+1" {
		t.Fatal(got)
	}
}

func TestStreamsServedConcurrently(t *testing.T) {
	srv := server.New()
	b := newBlocker(false)
	srv.RegisterHandler("test.Svc.Block", b.handler())
	ts := startServer(t, srv)
	s1 := openStream(t, ts.addr)
	s2 := openStream(t, ts.addr)
	id := s1.send("test.Svc.Block", "s1")
	<-b.started
	s2.echo("not blocked by s1")
	// Two streams blocked at once.
	id2 := s2.send("test.Svc.Block", "s2")
	<-b.started
	openStream(t, ts.addr).echo("third")
	b.open("s2")
	b.open("s1")
	if got := s1.recvValue(id, "test.Svc.Block"); got != "s1" {
		t.Fatal(got)
	}
	if got := s2.recvValue(id2, "test.Svc.Block"); got != "s2" {
		t.Fatal(got)
	}
}

func TestMetadataReachesHandler(t *testing.T) {
	srv := server.New()
	srv.RegisterHandler("test.Svc.MD", server.UnaryHandler(func(ctx server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		md, ok := metadata.FromIncomingContext(ctx)
		if !ok {
			return nil, status.Error(codes.FailedPrecondition, "no metadata")
		}
		return wrapperspb.String(strings.Join(md.Get("stream-key"), ",") + "|" + strings.Join(md.Get("msg-key"), ",")), nil
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr, "stream-key", "s1", "stream-key", "s2")
	id := cs.send("test.Svc.MD", "x", wire.Entry{Key: "msg-key", Value: "m1"}, wire.Entry{Key: "msg-key", Value: "m2"})
	if got := cs.recvValue(id, "test.Svc.MD"); got != "s1,s2|m1,m2" {
		t.Fatalf("handler saw %q", got)
	}
	// Entries belong to their message only.
	id = cs.send("test.Svc.MD", "y")
	if got := cs.recvValue(id, "test.Svc.MD"); got != "s1,s2|" {
		t.Fatalf("handler saw %q for a message without entries", got)
	}
	id = cs.send("test.Svc.MD", "z", wire.Entry{Key: "stream-key", Value: "s3"})
	if got := cs.recvValue(id, "test.Svc.MD"); got != "s1,s2,s3|" {
		t.Fatalf("handler saw %q", got)
	}
}

func TestOneWayHandlerSendsNoReply(t *testing.T) {
	srv := server.New()
	got := make(chan string, 2)
	srv.RegisterHandler(oneWayMethod, server.OneWayHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) {
		got <- in.GetValue()
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)
	cs.send(oneWayMethod, "one")
	cs.echo("next") // the first reply on the stream is the echo's
	if v := <-got; v != "one" {
		t.Fatalf("one-way handler got %q", v)
	}
}

func TestStreamHandlerSendsManyReplies(t *testing.T) {
	srv := server.New()
	srv.RegisterHandler(streamMethod, server.StreamHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue, send func(*wrapperspb.StringValue) error) error {
		for i := range 3 {
			if err := send(wrapperspb.String(fmt.Sprint(in.GetValue(), i))); err != nil {
				return err
			}
		}
		return status.Error(codes.Aborted, "done")
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)
	id := cs.send(streamMethod, "r")
	for i := range 3 {
		if got := cs.recvValue(id, streamMethod); got != fmt.Sprint("r", i) {
			t.Fatalf("reply %d: %q", i, got)
		}
	}
	cs.recvStatus(id, codes.Aborted)
	cs.echo("after")
}

func TestConnectCallbackOncePerStream(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []string
	)
	srv := server.New(server.WithConnectCallback(func(ctx context.Context) {
		md, _ := metadata.FromIncomingContext(ctx)
		mu.Lock()
		calls = append(calls, strings.Join(md.Get("who"), ","))
		mu.Unlock()
	}))
	ts := startServer(t, srv)
	for i := range 3 {
		cs := openStream(t, ts.addr, "who", fmt.Sprint("c", i))
		cs.echo("a")
		cs.echo("b")
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(calls, " ") != "c0 c1 c2" {
		t.Fatalf("connect callback calls: %q", calls)
	}
}

func TestReregisterReplacesHandler(t *testing.T) {
	srv := server.New()
	ts := startServer(t, srv)
	srv.RegisterHandler(echoMethod, server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		return wrapperspb.String("new " + in.GetValue()), nil
	}))
	cs := openStream(t, ts.addr)
	id := cs.send(echoMethod, "x")
	if got := cs.recvValue(id, echoMethod); got != "new x" {
		t.Fatalf("got %q", got)
	}
	if srv.GRPCServer() == nil {
		t.Fatal("GRPCServer is nil")
	}
}

func TestStopWithOpenStreams(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := server.New()
	b := newBlocker(false)
	srv.RegisterHandler("test.Svc.Block", b.handler())
	ts := startServer(t, srv)
	idle := openStream(t, ts.addr)
	idle.echo("idle")
	busy := openStream(t, ts.addr)
	busy.send("test.Svc.Block", "never opened")
	<-b.started
	ts.stop(t, srv.Stop) // returns although a handler was blocked: it sees its context end
	for _, cs := range []*clientStream{idle, busy} {
		err := cs.stream.RecvMsg(new(wire.Message))
		if err == nil {
			// The busy handler's Canceled reply may come before the end.
			err = cs.stream.RecvMsg(new(wire.Message))
		}
		if err == nil {
			t.Fatal("stream still open after Stop")
		}
		cs.close()
	}
	goleak.VerifyNone(t, before)
}

func TestGracefulStopWithOpenStreams(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv := server.New()
	b := newBlocker(false)
	srv.RegisterHandler("test.Svc.Block", b.handler())
	ts := startServer(t, srv)
	idle := openStream(t, ts.addr)
	idle.echo("idle")
	busy := openStream(t, ts.addr)
	id := busy.send("test.Svc.Block", "b")
	<-b.started
	stopped := make(chan struct{})
	go func() { ts.stop(t, srv.GracefulStop); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("GracefulStop returned while a handler was running")
	default:
	}
	b.open("b")
	// The running handler's reply goes out before the stream ends.
	if got := busy.recvValue(id, "test.Svc.Block"); got != "b" {
		t.Fatal(got)
	}
	<-stopped
	for _, cs := range []*clientStream{idle, busy} {
		if err := cs.stream.RecvMsg(new(wire.Message)); err == nil {
			t.Fatal("stream still open after GracefulStop")
		} else if !errors.Is(err, io.EOF) && status.Code(err) == codes.Unknown {
			t.Fatalf("stream ended with %v", err)
		}
		cs.close()
	}
	goleak.VerifyNone(t, before)
}

func TestStopBeforeServe(t *testing.T) {
	srv := server.New()
	srv.Stop()
	srv.GracefulStop()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after Stop = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve after Stop did not return")
	}
}

func TestReceiveBufferSizeOne(t *testing.T) {
	srv := server.New(server.WithReceiveBufferSize(0))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)
	ids := make([]uint64, 50)
	for i := range ids {
		ids[i] = cs.send(echoMethod, fmt.Sprint(i))
	}
	for i, id := range ids {
		if got := cs.recvValue(id, echoMethod); got != fmt.Sprint("echo ", i) {
			t.Fatal(got)
		}
	}
}
