package server

import (
	"net"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/quorumcall/gorums/internal/wire"
)

// Server serves Gorums methods on the NodeStream. Register handlers (usually with the
// generated Register<Service>Server) before Serve.
type Server struct {
	opts options
	grpc *grpc.Server

	regMu    sync.Mutex
	handlers atomic.Pointer[map[string]Handler] // copied on write; read on every request

	drainOnce sync.Once
	drain     chan struct{} // closed by GracefulStop
	wg        sync.WaitGroup
}

// New returns a server with the given options.
func New(opts ...Option) *Server {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	// WaitForHandlers: Stop returns only once every stream handler has returned, so no
	// handler can start a goroutine after Stop's own wait has begun. The keepalive policy lets
	// clients ping as often as every DefaultKeepaliveMinTime (gRPC's own default refuses
	// pings more often than every 5 minutes), so that clients can detect a dead or
	// partitioned server quickly; WithGRPCServerOptions can set another.
	grpcOpts := append([]grpc.ServerOption{
		grpc.WaitForHandlers(true),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: DefaultKeepaliveMinTime, PermitWithoutStream: true}),
	}, o.grpcOpts...)
	s := &Server{opts: o, grpc: grpc.NewServer(grpcOpts...), drain: make(chan struct{})}
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
	next[method] = h
	s.handlers.Store(&next)
}

// methodName is the wire.Message MethodOf of the server's receive loops: a served method's
// name is the handler map's own string, so requests cost no string allocation.
func (s *Server) methodName(name []byte) string {
	if h, ok := (*s.handlers.Load())[string(name)]; ok {
		return h.method
	}
	return string(name)
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

// GracefulStop stops accepting connections, lets each stream's running handlers finish and
// their replies go out, then closes the streams and waits as Stop does.
func (s *Server) GracefulStop() {
	s.drainOnce.Do(func() { close(s.drain) })
	s.grpc.GracefulStop()
	s.wg.Wait()
}

func (s *Server) handleStream(_ any, ss grpc.ServerStream) error {
	if s.opts.onConnect != nil {
		s.opts.onConnect(ss.Context())
	}
	return newStream(s, ss).serve(s.drain)
}
