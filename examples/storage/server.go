package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
)

// storageServer implements storage.Storage: registers by key, where a write wins if its
// timestamp is newer than the stored one. Handlers of one client run one at a time, but
// different clients' handlers run concurrently, hence the mutex.
type storageServer struct {
	log *zap.Logger

	mu     sync.Mutex
	states map[string]*storage.State // replaced, never modified, so they may be returned as replies
}

func newStorageServer(log *zap.Logger) *storageServer {
	return &storageServer{log: log, states: make(map[string]*storage.State)}
}

func (s *storageServer) read(in *storage.ReadRequest) *storage.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.states[in.GetKey()]; ok {
		return st
	}
	return &storage.State{Key: in.GetKey()}
}

func (s *storageServer) write(in *storage.State) *storage.WriteResponse {
	s.mu.Lock()
	defer s.mu.Unlock()
	isNew := in.GetTimestamp() > s.states[in.GetKey()].GetTimestamp()
	if isNew {
		s.states[in.GetKey()] = in
	}
	if ce := s.log.Check(zap.DebugLevel, "write"); ce != nil {
		ce.Write(zap.String("key", in.GetKey()), zap.String("value", in.GetValue()),
			zap.Int64("timestamp", in.GetTimestamp()), zap.Bool("new", isNew))
	}
	return &storage.WriteResponse{New: isNew}
}

// Read returns the node's state of the key.
func (s *storageServer) Read(_ gorums.ServerCtx, in *storage.ReadRequest) (*storage.State, error) {
	return s.read(in), nil
}

// Write stores in if it is newer than the node's state of its key.
func (s *storageServer) Write(_ gorums.ServerCtx, in *storage.State) (*storage.WriteResponse, error) {
	return s.write(in), nil
}

// ReadQC is Read, called as part of a quorum call.
func (s *storageServer) ReadQC(_ gorums.ServerCtx, in *storage.ReadRequest) (*storage.State, error) {
	return s.read(in), nil
}

// WriteQC is Write, called as part of a quorum call.
func (s *storageServer) WriteQC(_ gorums.ServerCtx, in *storage.State) (*storage.WriteResponse, error) {
	return s.write(in), nil
}

// WriteMulticast is Write without a reply.
func (s *storageServer) WriteMulticast(_ gorums.ServerCtx, in *storage.State) {
	s.write(in)
}

// newServer returns a Gorums server with a fresh, empty storageServer registered on it.
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

// cluster is a set of storage servers running in this process on loopback ports. A stopped
// server can be restarted, empty, at its address. Its methods are called from one goroutine.
type cluster struct {
	log     *zap.Logger
	addrs   []string
	servers []*gorums.Server // by index; nil while stopped
	wg      sync.WaitGroup   // the Serve goroutines
}

// startCluster starts n storage servers on 127.0.0.1 with ports chosen by the system.
func startCluster(n int, log *zap.Logger) (*cluster, error) {
	c := &cluster{log: log, servers: make([]*gorums.Server, n)}
	for i := range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			c.stopAll()
			return nil, fmt.Errorf("listen: %w", err)
		}
		c.addrs = append(c.addrs, lis.Addr().String())
		c.serve(i, lis)
	}
	return c, nil
}

func (c *cluster) serve(i int, lis net.Listener) {
	srvLog := c.log.With(zap.String("server", c.addrs[i]))
	srv := newServer(srvLog)
	c.servers[i] = srv
	c.wg.Go(func() {
		if err := srv.Serve(lis); err != nil {
			srvLog.Error("serve failed", zap.Error(err))
		}
	})
}

// stop stops server i at once, closing its connections, as a crash would.
func (c *cluster) stop(i int) {
	if srv := c.servers[i]; srv != nil {
		c.servers[i] = nil
		srv.Stop()
	}
}

// restartTimeout bounds how long restart retries a port that the stopped server's closing
// connections still hold.
const restartTimeout = 5 * time.Second

// restart starts a new, empty server i at its old address.
func (c *cluster) restart(ctx context.Context, i int) error {
	c.stop(i)
	ctx, cancel := context.WithTimeout(ctx, restartTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		lis, err := net.Listen("tcp", c.addrs[i])
		if err == nil {
			c.serve(i, lis)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("restart the server at %s: %w", c.addrs[i], err)
		case <-tick.C:
		}
	}
}

// stopAll stops the running servers and waits for their Serve goroutines.
func (c *cluster) stopAll() {
	for i := range c.servers {
		c.stop(i)
	}
	c.wg.Wait()
}
