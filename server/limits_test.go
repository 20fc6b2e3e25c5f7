package server_test

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

// footprint is what the process holds: live heap and goroutine stacks, after two collections
// (the second frees what the first's finalizers released), and the number of goroutines.
type footprint struct {
	bytes      int64
	goroutines int
}

func measure() footprint {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return footprint{bytes: int64(ms.HeapAlloc + ms.StackInuse), goroutines: runtime.NumGoroutine()}
}

// perStream is the footprint added per stream between two measurements.
func perStream(before, after footprint, n int) (bytes float64, goroutines float64) {
	return float64(after.bytes-before.bytes) / float64(n), float64(after.goroutines-before.goroutines) / float64(n)
}

// serveBare serves the NodeStream on a plain gRPC server whose handler only reads, the
// baseline an idle Gorums stream is compared with. opened counts the streams whose handler
// has started.
func serveBare(t *testing.T, opened *atomic.Int64) string {
	t.Helper()
	gs := grpc.NewServer()
	gs.RegisterService(wire.ServiceDesc(func(_ any, ss grpc.ServerStream) error {
		opened.Add(1)
		var m wire.Message
		for {
			if err := ss.RecvMsg(&m); err != nil {
				return nil
			}
		}
	}), nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = gs.Serve(lis)
	}()
	t.Cleanup(func() {
		gs.Stop()
		<-served
	})
	return lis.Addr().String()
}

// streamOpener opens many NodeStreams on one client connection.
type streamOpener struct {
	t       *testing.T
	conn    *grpc.ClientConn
	streams []grpc.ClientStream
	cancels []context.CancelFunc
}

func newStreamOpener(t *testing.T, addr string) *streamOpener {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	o := &streamOpener{t: t, conn: conn}
	t.Cleanup(o.closeAll)
	return o
}

// openSilent opens a stream and sends nothing on it.
func (o *streamOpener) openSilent() grpc.ClientStream {
	o.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := o.conn.NewStream(ctx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
	if err != nil {
		cancel()
		o.t.Fatal(err)
	}
	o.streams = append(o.streams, st)
	o.cancels = append(o.cancels, cancel)
	return st
}

// open opens a stream and sends it one request of method.
func (o *streamOpener) open(method string) grpc.ClientStream {
	o.t.Helper()
	st := o.openSilent()
	b, err := wire.Encode(uint64(len(o.streams)), method, nil, nil, wrapperspb.String("x"))
	if err != nil {
		o.t.Fatal(err)
	}
	if err := st.SendMsg(&wire.Frame{Bytes: b}); err != nil {
		o.t.Fatal(err)
	}
	return st
}

func (o *streamOpener) closeAll() {
	for _, c := range o.cancels {
		c()
	}
	o.streams, o.cancels = nil, nil
	_ = o.conn.Close()
}

// TestIdleStreamCost opens n streams to a plain gRPC server whose handler only reads and n
// to a Gorums server, each answered once and then idle, from the same kind of client in this
// process, and compares what each stream adds to the process: the Gorums server may add at
// most 16 KiB per idle stream over the plain one.
func TestIdleStreamCost(t *testing.T) {
	if testing.Short() {
		t.Skip("opens thousands of streams")
	}
	const n = 1000
	const maxExtra = 16 << 10

	var bareOpened atomic.Int64
	bareAddr := serveBare(t, &bareOpened)
	srv := server.New()
	ts := startServer(t, srv)
	bare := newStreamOpener(t, bareAddr)
	gorums := newStreamOpener(t, ts.addr)

	// Warm up both connections so that what they allocate once is not counted per stream.
	for range 10 {
		bare.open(echoMethod)
		recvEcho(t, gorums.open(echoMethod))
	}
	server.WaitFor(t, "the bare server's warm-up streams", func() bool { return bareOpened.Load() == 10 })

	m0 := measure()
	for range n {
		bare.open(echoMethod)
	}
	server.WaitFor(t, "the bare server's streams", func() bool { return bareOpened.Load() == 10+n })
	m1 := measure()
	for range n {
		recvEcho(t, gorums.open(echoMethod))
	}
	m2 := measure()

	bareBytes, bareG := perStream(m0, m1, n)
	gorumsBytes, gorumsG := perStream(m1, m2, n)
	extra := gorumsBytes - bareBytes
	t.Logf("per idle stream (client and server in this process): plain gRPC %.0f B, %.1f goroutines; Gorums %.0f B, %.1f goroutines; Gorums server's extra %.0f B, %.1f goroutines",
		bareBytes, bareG, gorumsBytes, gorumsG, extra, gorumsG-bareG)
	if extra > maxExtra {
		t.Errorf("an idle Gorums stream costs %.0f B more than a plain gRPC stream, want at most %d", extra, maxExtra)
	}
	// The receive loop is the only goroutine of its own an idle stream keeps; no reply
	// writer waits on an idle stream.
	if g := gorumsG - bareG; g > 1.05 {
		t.Errorf("an idle Gorums stream keeps %.2f goroutines more than a plain gRPC stream, want 1", g)
	}
}

// recvEcho receives the echo reply the stream's one request asked for.
func recvEcho(t *testing.T, st grpc.ClientStream) {
	t.Helper()
	var m wire.Message
	if err := st.RecvMsg(&m); err != nil {
		t.Fatal(err)
	}
	var v wrapperspb.StringValue
	if m.Status != nil || proto.Unmarshal(m.Payload, &v) != nil || v.GetValue() != "echo x" {
		t.Fatalf("reply %+v", m)
	}
}

const bigMethod = "test.Svc.Big"

// bigReplies serves bigMethod: each request's handler calls Release, so that many run at once,
// and sends one reply of replySize bytes (the same payload each time, so the replies' frames
// are what the server holds). It counts, per client (the request's value), the handlers that
// are inside send: a writer stuck on a client that does not read, and senders waiting for room.
type bigReplies struct {
	payload []byte
	mu      sync.Mutex
	inSend  map[string]int
	sent    map[string]int
}

func newBigReplies(replySize int) *bigReplies {
	return &bigReplies{payload: make([]byte, replySize), inSend: map[string]int{}, sent: map[string]int{}}
}

func (b *bigReplies) handler() server.Handler {
	return server.StreamHandler(func(ctx server.ServerCtx, in *wrapperspb.StringValue, send func(*wrapperspb.BytesValue) error) error {
		ctx.Release()
		who := in.GetValue()
		b.mu.Lock()
		b.inSend[who]++
		b.mu.Unlock()
		err := send(wrapperspb.Bytes(b.payload))
		b.mu.Lock()
		b.inSend[who]--
		if err == nil {
			b.sent[who]++
		}
		b.mu.Unlock()
		return err
	})
}

// stuck reports whether the server holds replies for client who as far as it will: its
// writer waits for the client, and either another reply waits for room or the queued replies
// fill the stream's bound, so that its receive loop reads no more requests. The bound counts
// the memory a reply holds: a large reply's pooled buffer (wire.FrameFootprint).
func (b *bigReplies) stuck(who string) bool {
	frame := wire.FrameFootprint(proto.Size(wrapperspb.Bytes(b.payload)) + len(bigMethod) + 16)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inSend[who] >= 2 || b.inSend[who] >= 1 && b.sent[who]*frame >= server.DefaultReplyBufferBytes
}

func (b *bigReplies) sentTo(who string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent[who]
}

// slowReader is a client on its own connection that sends requests and never reads a reply.
// Its connection's flow-control windows are fixed at 64 KiB, so that the client side of the
// test holds little of what the server sends.
func slowReader(t *testing.T, addr, who string, requests int) {
	t.Helper()
	const window = 64 << 10
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		cancel()
		_ = conn.Close()
	})
	st, err := conn.NewStream(ctx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
	if err != nil {
		t.Fatal(err)
	}
	for i := range requests {
		b, err := wire.Encode(uint64(i+1), bigMethod, nil, nil, wrapperspb.String(who))
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SendMsg(&wire.Frame{Bytes: b}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSlowReadersBoundedInBytes: four clients each ask for 64 replies of 256 KiB (16 MiB
// each) and read none. The server holds at most about the reply bound (4 MiB by default) for
// each of them: their handlers wait, and their receive loops stop reading. Another client is
// served meanwhile.
func TestSlowReadersBoundedInBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("holds tens of MiB")
	}
	const (
		clients   = 4
		requests  = 64
		replySize = 256 << 10
		// What a stuck stream may hold beyond the bound: the reply being written, what gRPC
		// has taken of it and the client's 64 KiB window, with room to spare.
		slack = 1 << 20
	)
	big := newBigReplies(replySize)
	srv := server.New()
	srv.RegisterHandler(bigMethod, big.handler())
	ts := startServer(t, srv)
	other := openStream(t, ts.addr)
	other.echo("warm")

	m0 := measure()
	for i := range clients {
		slowReader(t, ts.addr, fmt.Sprint("slow", i), requests)
	}
	for i := range clients {
		who := fmt.Sprint("slow", i)
		server.WaitFor(t, who+"'s replies to fill its stream's bound", func() bool { return big.stuck(who) })
	}
	m1 := measure()
	held := float64(m1.bytes - m0.bytes)
	t.Logf("%d clients that do not read 256 KiB replies: the process holds %.1f MiB more (%.2f MiB per client; bound %d MiB); %d goroutines more",
		clients, held/(1<<20), held/clients/(1<<20), server.DefaultReplyBufferBytes>>20, m1.goroutines-m0.goroutines)
	for i := range clients {
		who := fmt.Sprint("slow", i)
		if n := big.sentTo(who); n*replySize > server.DefaultReplyBufferBytes+slack {
			t.Errorf("%s: %d replies of 256 KiB queued, beyond the bound", who, n)
		}
	}
	if limit := float64(clients*(server.DefaultReplyBufferBytes+slack) + 4<<20); held > limit {
		t.Errorf("the process holds %.1f MiB more with %d slow readers, want at most %.1f MiB", held/(1<<20), clients, limit/(1<<20))
	}
	// Other clients are served as usual.
	for i := range 50 {
		other.echo(fmt.Sprint(i))
	}
	openStream(t, ts.addr).echo("new client")
}

// TestGracefulStopWithNonReadingClient: a client that reads no replies, with handlers waiting
// to send to it, does not keep GracefulStop from returning: after its grace the server stops
// hard. The other client's stream ends too, and nothing leaks. (That GracefulStop lets running
// handlers finish and their replies go out is TestGracefulStopWithOpenStreams.)
func TestGracefulStopWithNonReadingClient(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // runs last, once the clients are gone
	const grace = 500 * time.Millisecond
	big := newBigReplies(256 << 10)
	srv := server.New(server.WithGracefulStopTimeout(grace))
	srv.RegisterHandler(bigMethod, big.handler())
	ts := startServer(t, srv)

	slowReader(t, ts.addr, "slow", 64)
	server.WaitFor(t, "the slow reader's replies to fill its stream", func() bool { return big.stuck("slow") })
	good := openStream(t, ts.addr)
	good.echo("before the stop")

	start := time.Now()
	stopped := make(chan time.Duration, 1)
	go func() {
		ts.stop(t, srv.GracefulStop)
		stopped <- time.Since(start)
	}()
	select {
	case took := <-stopped:
		t.Logf("GracefulStop with a client that does not read returned after %v (grace %v)", took.Round(time.Millisecond), grace)
	case <-time.After(30 * time.Second):
		t.Fatal("GracefulStop did not return")
	}
	if err := good.stream.RecvMsg(new(wire.Message)); err == nil {
		t.Fatal("stream open after GracefulStop")
	}
}

// TestMaxStreams: beyond the server's stream limit a new stream ends at once with
// ResourceExhausted, however many try, and the server's memory stays flat; once a stream
// ends, a new one is served.
func TestMaxStreams(t *testing.T) {
	const limit = 3
	var connects atomic.Int64
	srv := server.New(server.WithMaxStreams(limit), server.WithConnectCallback(func(context.Context) { connects.Add(1) }))
	ts := startServer(t, srv)
	served := make([]*clientStream, limit)
	for i := range served {
		served[i] = openStream(t, ts.addr)
		served[i].echo("in")
	}
	extra := newStreamOpener(t, ts.addr)
	rejected := func() {
		t.Helper()
		err := extra.openSilent().RecvMsg(new(wire.Message))
		if s, _ := status.FromError(err); s.Code() != codes.ResourceExhausted {
			t.Fatalf("stream beyond the limit: %v, want ResourceExhausted", err)
		}
	}
	rejected()
	const more = 1000
	m0 := measure()
	for range more {
		rejected()
	}
	extra.closeAll()
	m1 := measure()
	t.Logf("%d streams refused: the process holds %d B more, %d goroutines more", more, m1.bytes-m0.bytes, m1.goroutines-m0.goroutines)
	if grown := m1.bytes - m0.bytes; grown > 1<<20 {
		t.Errorf("memory grew by %d B over %d refused streams", grown, more)
	}
	if n := connects.Load(); n != limit {
		t.Errorf("connect callback called %d times, want %d: refused streams must not reach it", n, limit)
	}
	for _, cs := range served {
		cs.echo("still served")
	}
	// Once a stream ends, another is served.
	served[0].close()
	server.WaitFor(t, "a stream to be served after one ended", func() bool {
		cs := openStream(t, ts.addr)
		id := cs.send(echoMethod, "x")
		m := new(wire.Message)
		err := cs.stream.RecvMsg(m)
		cs.close()
		return err == nil && m.MessageID == id && m.Status == nil
	})
}
