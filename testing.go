package gorums

import (
	"net"
	"testing"

	"github.com/quorumcall/gorums/gorumstest"
)

// ServerIface is a server that TestSetup can run: a *Server, or a *grpc.Server.
type ServerIface interface {
	Serve(net.Listener) error
	Stop()
}

// TestSetup starts numServers servers, server i made by srvFn(i), each on a new 127.0.0.1
// port, and returns their addresses and a function that stops them all and waits for them.
// Calling the stop function again does nothing, and the servers are also stopped when the
// test ends, so a forgotten stop leaks nothing:
//
//	addrs, stop := gorums.TestSetup(t, 3, func(i int) gorums.ServerIface {
//		srv := gorums.NewServer()
//		storage.RegisterStorageServer(srv, &storageSrv{state: &storage.State{}})
//		return srv
//	})
//	defer stop()
//
// TestSetup is kept from Gorums v0.7. Package gorumstest, which it is built on, can also stop,
// restart and hang single servers, and serve in memory.
func TestSetup(t testing.TB, numServers int, srvFn func(i int) ServerIface) ([]string, func()) {
	t.Helper()
	c := gorumstest.NewCluster(t, numServers, func(i int) gorumstest.Server { return srvFn(i) })
	stop := func() {
		for i := range c.Size() {
			c.Stop(i)
		}
	}
	return c.Addrs(), stop
}
