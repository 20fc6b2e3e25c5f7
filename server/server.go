package server

import (
	"context"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/wire"
)

// Server serves Gorums methods on the NodeStream. Register handlers (usually with the
// generated Register<Service>Server) before Serve.
type Server struct {
	opts   options
	grpc   *grpc.Server
	limits messageLimits // of grpc, read once

	regMu    sync.Mutex
	handlers atomic.Pointer[map[string]Handler] // copied on write; read on every request

	streams atomic.Int64 // client streams being served, checked against opts.maxStreams

	drainOnce sync.Once
	drain     chan struct{} // closed by GracefulStop
	wg        sync.WaitGroup
}

// New returns a server with the given options.
func New(opts ...Option) *Server {
	o := defaultOptions()
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	// WaitForHandlers: Stop returns only once every stream handler has returned, so no
	// handler can start a goroutine after Stop's own wait has begun. The keepalive policy lets
	// clients ping as often as every DefaultKeepaliveMinTime (gRPC's own default refuses
	// pings more often than every 5 minutes), so that clients can detect a dead or
	// partitioned server quickly; WithGRPCServerOptions can set another.
	grpcOpts := []grpc.ServerOption{
		grpc.WaitForHandlers(true),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: DefaultKeepaliveMinTime, PermitWithoutStream: true}),
	}
	if o.recvWindow > 0 {
		// Before the user's gRPC options, so that a window set there wins.
		grpcOpts = append(grpcOpts, grpc.InitialWindowSize(o.recvWindow), grpc.InitialConnWindowSize(o.recvWindow))
	}
	grpcOpts = append(grpcOpts, o.grpcOpts...)
	s := &Server{opts: o, grpc: grpc.NewServer(grpcOpts...), drain: make(chan struct{})}
	s.limits = readMessageLimits(s.grpc)
	empty := map[string]Handler{}
	s.handlers.Store(&empty)
	s.grpc.RegisterService(wire.ServiceDesc(s.handleStream), s)
	return s
}

// RegisterHandler serves method (the protobuf full name, package.Service.Method) with h,
// replacing any handler it had.
func (s *Server) RegisterHandler(method string, h Handler) {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	old := *s.handlers.Load()
	next := make(map[string]Handler, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	h.method = method
	if len(s.opts.intercept) > 0 {
		h.intercepted = chain(s.opts.intercept, CallInfo{Method: method, Kind: h.kind}, h.invoke)
	}
	next[method] = h
	s.handlers.Store(&next)
}

// MaxEchoedMethodLen is how many bytes of a method name the server keeps of a request for a
// method it does not serve, and so echoes in its Unimplemented reply: a client cannot make the
// server copy or send back a name of megabytes.
const MaxEchoedMethodLen = 256

// methodName is the wire.Message MethodOf of the server's receive loops: a served method's
// name is the handler map's own string, so requests cost no string allocation; an unknown
// name is cut to MaxEchoedMethodLen bytes, at a UTF-8 boundary where it has one.
func (s *Server) methodName(name []byte) string {
	if h, ok := (*s.handlers.Load())[string(name)]; ok {
		return h.method
	}
	return truncateName(name)
}

func truncateName(name []byte) string {
	if len(name) <= MaxEchoedMethodLen {
		return string(name)
	}
	cut := MaxEchoedMethodLen
	for i := cut; i > cut-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(name[i]) {
			cut = i
			break
		}
	}
	return string(name[:cut])
}

func (s *Server) handler(method string) (Handler, bool) {
	h, ok := (*s.handlers.Load())[method]
	return h, ok
}

// GRPCServer returns the underlying gRPC server, for registering other gRPC services on it.
func (s *Server) GRPCServer() *grpc.Server { return s.grpc }

// Serve accepts connections on lis until Stop or GracefulStop. It returns nil after a stop.
func (s *Server) Serve(lis net.Listener) error {
	err := s.grpc.Serve(lis)
	if err == grpc.ErrServerStopped {
		return nil
	}
	return err
}

// Stop closes every connection and listener at once and waits until the server's goroutines,
// including handlers still running, have returned. Handlers see their context end.
func (s *Server) Stop() {
	s.grpc.Stop()
	s.wg.Wait()
}

// GracefulStop stops accepting connections and requests (a request that arrives meanwhile
// gets Unavailable), lets each stream's running handlers finish and their replies go out,
// then ends the streams and waits as Stop does. If that takes longer than the
// WithGracefulStopTimeout grace (10 s by default), because a handler does not return or a
// client does not read its replies, it stops hard as Stop does: the handlers' contexts end,
// and it returns once they have returned (a handler that ignores its context holds it up,
// as it holds Stop up).
func (s *Server) GracefulStop() {
	s.drainOnce.Do(func() { close(s.drain) })
	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	grace := time.NewTimer(s.opts.grace)
	defer grace.Stop()
	select {
	case <-stopped:
	case <-grace.C:
		s.opts.logger.Warn("graceful stop outlasted its grace (WithGracefulStopTimeout); stopping hard")
		s.grpc.Stop() // ends the graceful stop as well
		<-stopped
	}
	s.wg.Wait()
}

func (s *Server) handleStream(_ any, ss grpc.ServerStream) error {
	if n := s.streams.Add(1); n > int64(s.opts.maxStreams) {
		s.streams.Add(-1)
		return status.Errorf(codes.ResourceExhausted, "gorums: the server serves at most %d streams at once", s.opts.maxStreams)
	}
	defer s.streams.Add(-1)
	if s.opts.onConnect != nil {
		if err := s.connected(ss.Context()); err != nil {
			return err
		}
	}
	return newStream(s, ss).serve(s.drain)
}

// connected runs the connect callback. A panic in it fails only this stream, with Internal,
// and is logged with its stack; the server goes on.
func (s *Server) connected(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.opts.logger.Error("connect callback panicked", logfield.Addr(peerAddr(ctx)), logfield.Panic(r), logfield.Stack(debug.Stack()))
			err = status.Errorf(codes.Internal, "gorums: the server's connect callback panicked: %v", r)
		}
	}()
	s.opts.onConnect(ctx)
	return nil
}
