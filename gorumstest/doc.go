// Package gorumstest runs Gorums servers inside a test, so that a protocol built on Gorums can
// be tested against real servers, and its fault tolerance against servers that crash, come
// back or hang.
//
//	func TestWriteRead(t *testing.T) {
//		c := gorumstest.NewCluster(t, 3, func(i int) gorumstest.Server {
//			srv := gorums.NewServer()
//			storage.RegisterStorageServer(srv, newStorageServer())
//			return srv
//		})
//		mgr := gorumstest.NewManager(t, c, storage.NewManager)
//		cfg, err := mgr.NewConfiguration(&QSpec{quorumSize: 2}, c.NodeList())
//		if err != nil {
//			t.Fatal(err)
//		}
//		c.Stop(2) // a crash: a quorum of two must still answer
//		if _, err := cfg.WriteQC(ctx, &storage.State{Value: "x", Timestamp: 1}); err != nil {
//			t.Fatal(err)
//		}
//		c.Restart(2) // a new server at the same address; the manager reconnects to it
//	}
//
// NewCluster starts n servers, each on a new 127.0.0.1 port or, with WithBufconn, on an
// in-memory listener (no sockets; clients must dial with the cluster's DialOptions, which
// ManagerOptions and NewManager include). Addrs and NodeList give what a configuration needs.
// Stop(i) stops server i at once, Restart(i) starts a new one at the same address (the
// function given to NewCluster makes it, so a restarted server starts empty unless that
// function hands it the old state), and Hang(i) freezes it with its connections open until
// Resume(i). Everything is cleaned up through t.Cleanup: managers made with NewManager close
// first, then the servers stop, so the test ends with no goroutine left for goleak to find.
//
// A Cluster's methods are safe for concurrent use. Each server's Serve runs on a goroutine of
// its own, which Stop and the cleanup wait for. Hang works on the server's connections: it
// holds back what they read and what they write, so the server's own goroutines keep running
// but hear and say nothing.
//
// The package imports only the runtime packages (server side: any Server; client side:
// manager and configuration), so the root package gorums can build gorums.TestSetup on it.
package gorumstest
