package server_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

// trace records what interceptors and handlers saw, in order.
type trace struct {
	mu     sync.Mutex
	events []string
}

func (tr *trace) add(format string, args ...any) {
	tr.mu.Lock()
	tr.events = append(tr.events, fmt.Sprintf(format, args...))
	tr.mu.Unlock()
}

func (tr *trace) take() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	s := strings.Join(tr.events, " ")
	tr.events = nil
	return s
}

// recorder is an interceptor that records its name, the method, its kind and the request on
// the way in, every reply, and the outcome on the way out.
func recorder(tr *trace, name string) server.Interceptor {
	return func(ctx server.ServerCtx, info server.CallInfo, req proto.Message, send server.SendFunc, next server.Next) error {
		tr.add("%s>%s/%v(%s)", name, info.Method, info.Kind, req.(*wrapperspb.StringValue).GetValue())
		err := next(ctx, req, func(reply proto.Message) error {
			tr.add("%s:reply(%s)", name, reply.(*wrapperspb.StringValue).GetValue())
			return send(reply)
		})
		tr.add("%s<%v", name, status.Code(err))
		return err
	}
}

// TestInterceptorsChainInOrder: interceptors run around every kind of handler, the first given
// outermost, each seeing the method, its kind, the request and every reply.
func TestInterceptorsChainInOrder(t *testing.T) {
	tr := &trace{}
	srv := server.New(server.WithInterceptors(recorder(tr, "A")), server.WithInterceptors(recorder(tr, "B"), nil))
	oneWayDone := make(chan struct{}, 1)
	srv.RegisterHandler(oneWayMethod, server.OneWayHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) {
		tr.add("oneway(%s)", in.GetValue())
		oneWayDone <- struct{}{}
	}))
	srv.RegisterHandler(streamMethod, server.StreamHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue, send func(*wrapperspb.StringValue) error) error {
		for i := range 2 {
			if err := send(wrapperspb.String(fmt.Sprint(in.GetValue(), i))); err != nil {
				return err
			}
		}
		return nil
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)

	cs.echo("u")
	if got, want := tr.take(), "A>test.Svc.Echo/unary(u) B>test.Svc.Echo/unary(u) B:reply(echo u) A:reply(echo u) B<OK A<OK"; got != want {
		t.Errorf("unary:\n got %s\nwant %s", got, want)
	}
	cs.send(oneWayMethod, "o")
	<-oneWayDone
	cs.echo("after one-way") // the one-way request's interceptors have returned by now
	if got, want := tr.take(), "A>test.Svc.OneWay/one-way(o) B>test.Svc.OneWay/one-way(o) oneway(o) B<OK A<OK "+
		"A>test.Svc.Echo/unary(after one-way) B>test.Svc.Echo/unary(after one-way) B:reply(echo after one-way) A:reply(echo after one-way) B<OK A<OK"; got != want {
		t.Errorf("one-way:\n got %s\nwant %s", got, want)
	}
	id := cs.send(streamMethod, "s")
	cs.recvValue(id, streamMethod)
	cs.recvValue(id, streamMethod)
	cs.echo("after stream")
	if got, want := tr.take(), "A>test.Svc.Stream/stream(s) B>test.Svc.Stream/stream(s) B:reply(s0) A:reply(s0) B:reply(s1) A:reply(s1) B<OK A<OK "+
		"A>test.Svc.Echo/unary(after stream) B>test.Svc.Echo/unary(after stream) B:reply(echo after stream) A:reply(echo after stream) B<OK A<OK"; got != want {
		t.Errorf("stream:\n got %s\nwant %s", got, want)
	}
	id = cs.send(errorMethod, "e")
	cs.recvStatus(id, codes.NotFound)
	if got, want := tr.take(), "A>test.Svc.Error/unary(e) B>test.Svc.Error/unary(e) B<NotFound A<NotFound"; got != want {
		t.Errorf("error:\n got %s\nwant %s", got, want)
	}
}

// TestInterceptorRefuses: an interceptor that finds no token in the metadata refuses with
// PermissionDenied without calling on; the handler does not run, and the stream goes on.
func TestInterceptorRefuses(t *testing.T) {
	auth := func(ctx server.ServerCtx, _ server.CallInfo, req proto.Message, send server.SendFunc, next server.Next) error {
		md, _ := metadata.FromIncomingContext(ctx)
		if v := md.Get("token"); len(v) != 1 || v[0] != "secret" {
			return status.Error(codes.PermissionDenied, "no valid token")
		}
		return next(ctx, req, send)
	}
	var ran sync.Map
	srv := server.New(server.WithInterceptors(auth))
	srv.RegisterHandler("test.Svc.Guarded", server.UnaryHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
		ran.Store(in.GetValue(), true)
		return in, nil
	}))
	ts := startServer(t, srv)

	without := openStream(t, ts.addr)
	id := without.send("test.Svc.Guarded", "no token")
	if msg := without.recvStatus(id, codes.PermissionDenied); msg != "no valid token" {
		t.Fatalf("status message %q", msg)
	}
	withStream := openStream(t, ts.addr, "token", "secret")
	id = withStream.send("test.Svc.Guarded", "stream token")
	if got := withStream.recvValue(id, "test.Svc.Guarded"); got != "stream token" {
		t.Fatal(got)
	}
	id = without.send("test.Svc.Guarded", "message token", wire.Entry{Key: "token", Value: "secret"})
	if got := without.recvValue(id, "test.Svc.Guarded"); got != "message token" {
		t.Fatal(got)
	}
	if _, ok := ran.Load("no token"); ok {
		t.Fatal("the handler ran for a refused request")
	}
}

// TestInterceptorReplyRules: a unary method replies exactly once, a one-way method never, and
// a reply must be of the method's reply type, whatever the interceptors do.
func TestInterceptorReplyRules(t *testing.T) {
	type result struct {
		what string
		err  error
	}
	results := make(chan result, 8)
	ic := func(ctx server.ServerCtx, info server.CallInfo, req proto.Message, send server.SendFunc, next server.Next) error {
		switch req.(*wrapperspb.StringValue).GetValue() {
		case "twice":
			err := next(ctx, req, send)
			results <- result{"second send", send(wrapperspb.String("again"))}
			return err
		case "none":
			return nil // neither calls on nor replies
		case "wrong type":
			err := send(wrapperspb.Int64(7))
			results <- result{"wrong type", err}
			return err
		case "reply then fail":
			if err := send(wrapperspb.String("early")); err != nil {
				return err
			}
			return status.Error(codes.Aborted, "after the reply")
		case "one-way send":
			results <- result{"one-way send", send(wrapperspb.String("x"))}
			return next(ctx, req, send)
		}
		return next(ctx, req, send)
	}
	srv := server.New(server.WithInterceptors(ic))
	srv.RegisterHandler(oneWayMethod, server.OneWayHandler(func(server.ServerCtx, *wrapperspb.StringValue) {}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)

	id := cs.send(echoMethod, "twice")
	if got := cs.recvValue(id, echoMethod); got != "echo twice" {
		t.Fatal(got)
	}
	if r := <-results; status.Code(r.err) != codes.FailedPrecondition {
		t.Errorf("%s: %v, want FailedPrecondition", r.what, r.err)
	}
	id = cs.send(echoMethod, "none")
	if msg := cs.recvStatus(id, codes.Internal); !strings.Contains(msg, "without a reply") {
		t.Errorf("a chain that neither replied nor failed: %q", msg)
	}
	id = cs.send(echoMethod, "wrong type")
	if r := <-results; status.Code(r.err) != codes.InvalidArgument {
		t.Errorf("%s: %v, want InvalidArgument", r.what, r.err)
	}
	cs.recvStatus(id, codes.InvalidArgument) // the refused send's error, returned by the chain
	id = cs.send(echoMethod, "reply then fail")
	if got := cs.recvValue(id, echoMethod); got != "early" {
		t.Fatal(got)
	}
	cs.send(oneWayMethod, "one-way send")
	if r := <-results; status.Code(r.err) != codes.FailedPrecondition {
		t.Errorf("%s: %v, want FailedPrecondition", r.what, r.err)
	}
	// Only the replies checked above went out: the next reply on the stream is this echo's.
	cs.echo("last")
}

// TestInterceptorPanicIsContained: a panicking interceptor gives the client Internal and is
// logged with its stack, for a unary method before or after its reply and for a stream; the
// stream and the server live on.
func TestInterceptorPanicIsContained(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	ic := func(ctx server.ServerCtx, _ server.CallInfo, req proto.Message, send server.SendFunc, next server.Next) error {
		switch req.(*wrapperspb.StringValue).GetValue() {
		case "before":
			panic("interceptor bug before")
		case "after":
			_ = next(ctx, req, send)
			panic("interceptor bug after")
		}
		return next(ctx, req, send)
	}
	srv := server.New(server.WithLogger(zap.New(core)), server.WithInterceptors(ic))
	srv.RegisterHandler(streamMethod, server.StreamHandler(func(_ server.ServerCtx, in *wrapperspb.StringValue, send func(*wrapperspb.StringValue) error) error {
		return send(in)
	}))
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)

	id := cs.send(echoMethod, "before")
	if msg := cs.recvStatus(id, codes.Internal); !strings.Contains(msg, "interceptor bug before") {
		t.Errorf("status message %q", msg)
	}
	// After the reply, the panic cannot be a second reply: it is only logged.
	id = cs.send(echoMethod, "after")
	if got := cs.recvValue(id, echoMethod); got != "echo after" {
		t.Fatal(got)
	}
	id = cs.send(streamMethod, "after")
	cs.recvValue(id, streamMethod)
	if msg := cs.recvStatus(id, codes.Internal); !strings.Contains(msg, "interceptor bug after") {
		t.Errorf("stream: status message %q", msg)
	}
	cs.echo("still served")
	openStream(t, ts.addr).echo("new stream")
	entries := logs.FilterMessage("handler panicked").All()
	if len(entries) != 3 {
		t.Fatalf("%d panics logged, want 3", len(entries))
	}
	for _, e := range entries {
		if stack, _ := e.ContextMap()["stack"].(string); !strings.Contains(stack, "TestInterceptorPanicIsContained") {
			t.Errorf("logged stack does not show the interceptor:\n%s", stack)
		}
	}
}

// TestInterceptorReleaseLetsNextRequestStart: an interceptor may call Release like a handler.
func TestInterceptorReleaseLetsNextRequestStart(t *testing.T) {
	b := newBlocker(false)
	release := func(ctx server.ServerCtx, _ server.CallInfo, req proto.Message, send server.SendFunc, next server.Next) error {
		ctx.Release()
		return next(ctx, req, send)
	}
	srv := server.New(server.WithInterceptors(release))
	srv.RegisterHandler("test.Svc.Block", b.handler())
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr)
	k := cs.send("test.Svc.Block", "k")
	<-b.started
	cs.echo("while k blocks")
	b.open("k")
	if got := cs.recvValue(k, "test.Svc.Block"); got != "k" {
		t.Fatal(got)
	}
}
