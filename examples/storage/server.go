package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"go.uber.org/zap"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
)

// storageServer implements storage.Storage: one register, where a write wins if its
// timestamp is newer than the stored one. Handlers of one client run one at a time, but
// different clients' handlers run concurrently, hence the mutex.
type storageServer struct {
	log *zap.Logger

	mu    sync.Mutex
	state *storage.State // replaced, never modified, so it may be returned as a reply
}

func newStorageServer(log *zap.Logger) *storageServer {
	return &storageServer{log: log, state: &storage.State{}}
}

func (s *storageServer) read() *storage.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

func (s *storageServer) write(in *storage.State) *storage.WriteResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	isNew := in.GetTimestamp() > s.state.GetTimestamp()
	if isNew {
		s.state = in
	}
	s.log.Debug("write", zap.String("value", in.GetValue()), zap.Int64("timestamp", in.GetTimestamp()), zap.Bool("new", isNew))
	return &storage.WriteResponse{New: isNew}
}

// Read returns the node's state.
func (s *storageServer) Read(_ gorums.ServerCtx, _ *storage.ReadRequest) (*storage.State, error) {
	return s.read(), nil
}

// Write stores in if it is newer than the node's state.
func (s *storageServer) Write(_ gorums.ServerCtx, in *storage.State) (*storage.WriteResponse, error) {
	return s.write(in), nil
}

// ReadQC is Read, called as part of a quorum call.
func (s *storageServer) ReadQC(_ gorums.ServerCtx, _ *storage.ReadRequest) (*storage.State, error) {
	return s.read(), nil
}

// WriteQC is Write, called as part of a quorum call.
func (s *storageServer) WriteQC(_ gorums.ServerCtx, in *storage.State) (*storage.WriteResponse, error) {
	return s.write(in), nil
}

// newServer returns a Gorums server with a fresh storageServer registered on it.
func newServer(log *zap.Logger) *gorums.Server {
	srv := gorums.NewServer(gorums.WithLogger(log))
	storage.RegisterStorageServer(srv, newStorageServer(log))
	return srv
}

// serve runs one storage server on lis until ctx ends, then stops it gracefully (running
// handlers finish and their replies go out).
func serve(ctx context.Context, out io.Writer, log *zap.Logger, lis net.Listener) error {
	srv := newServer(log.With(zap.String("server", lis.Addr().String())))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	fmt.Fprintf(out, "Storage server listening on %s; stop it with Ctrl-C.\n", lis.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	srv.GracefulStop()
	if err := <-errc; err != nil {
		return fmt.Errorf("serve %s: %w", lis.Addr(), err)
	}
	fmt.Fprintf(out, "Storage server on %s stopped.\n", lis.Addr())
	return nil
}

// cluster is a set of storage servers running in this process on loopback ports.
type cluster struct {
	log     *zap.Logger
	addrs   []string
	servers map[string]*gorums.Server // by address; a stopped server is removed
	wg      sync.WaitGroup            // the Serve goroutines
}

// startCluster starts n storage servers on 127.0.0.1 with ports chosen by the system.
func startCluster(n int, log *zap.Logger) (*cluster, error) {
	c := &cluster{log: log, servers: make(map[string]*gorums.Server, n)}
	for range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.stopAll()
			return nil, fmt.Errorf("listen: %w", err)
		}
		addr := lis.Addr().String()
		srvLog := log.With(zap.String("server", addr))
		srv := newServer(srvLog)
		c.addrs = append(c.addrs, addr)
		c.servers[addr] = srv
		c.wg.Go(func() {
			if err := srv.Serve(lis); err != nil {
				srvLog.Error("serve failed", zap.Error(err))
			}
		})
	}
	return c, nil
}

// stop stops the server at addr at once, closing its connections.
func (c *cluster) stop(addr string) error {
	srv, ok := c.servers[addr]
	if !ok {
		return fmt.Errorf("no running server at %s", addr)
	}
	delete(c.servers, addr)
	srv.Stop()
	return nil
}

// stopAll stops the running servers and waits for their Serve goroutines.
func (c *cluster) stopAll() {
	for _, addr := range c.addrs {
		if srv, ok := c.servers[addr]; ok {
			delete(c.servers, addr)
			srv.Stop()
		}
	}
	c.wg.Wait()
}
