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
// NewReplicas starts n replicas (package replica) that serve and call each other: replica i
// has the ID NodeID(i) and the configuration of all n, and a setup function registers the
// service on each, with handlers that make quorum calls on that configuration:
//
//	rs := gorumstest.NewReplicas(t, 3, func(i int, r *replica.Replica) {
//		cfg := paxos.ConfigurationFromRaw(r.Configuration(), qspec)
//		paxos.RegisterPaxosServer(r.Server(), newAcceptor(cfg, disks[i]))
//	})
//	rs.Stop(2)    // replica 2 crashes: its manager closes and its server stops
//	rs.Restart(2) // setup is called for a new replica 2 at the same address
//
// Replicas is a Cluster, so Stop, Restart, Hang, Addrs and NodeList work as for servers, and
// Replica(i) returns replica i. In a Cluster, every server listens before the first is made,
// so each replica is made with the addresses of all.
//
// The package imports only the runtime packages (server side: any Server, and package
// replica; client side: manager and configuration), so the root package gorums can build
// gorums.TestSetup on it.
package gorumstest
