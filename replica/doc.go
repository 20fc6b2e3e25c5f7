// Package replica runs replicas that serve a Gorums service and call each other, as the
// replicas of Paxos, Raft or HotStuff do: each replica serves the service and its handlers
// make quorum calls on a configuration of all replicas.
//
// Usually through the root package. Every replica is made with its own ID and the same
// members map (ID to the address at which the others reach that replica):
//
//	members := map[uint32]string{1: "10.0.0.1:9000", 2: "10.0.0.2:9000", 3: "10.0.0.3:9000"}
//	r, err := gorums.NewReplica(id, members, gorums.WithReplicaManagerOptions(
//		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))))
//	if err != nil { ... }
//	defer r.Stop()
//	cfg := paxos.ConfigurationFromRaw(r.Configuration(), qspec) // every replica, r included
//	paxos.RegisterPaxosServer(r.Server(), &acceptor{id: r.ID(), cfg: cfg})
//	if err := r.Start(); err != nil { ... } // listens on members[id], serves until Stop
//
// A handler makes nested calls on the configuration it was given, which includes its own
// replica. Replica r's own node reaches r's server through an in-memory connection
// (grpc's bufconn) instead of the network, but through the same gRPC server and the same
// node actor as any peer, so a call to itself has the semantics of a call to any other
// replica: requests of one client are handled in order, one at a time, until a handler calls
// Release, and handler errors, unknown methods and bad payloads give the same status errors.
//
// Nested calls and the handler lock. A handler holds its client's stream until it returns
// or calls ServerCtx.Release. A handler that waits for a quorum call on the replicas should
// call Release first: the replicas it calls may, in their own handlers, call back on the
// stream it holds (replica A's handler, serving a request from B, calls B, whose handler
// calls A: that call comes on the stream from B, which A's first handler still holds), and
// without Release both wait until their contexts end. The handler's context is its client
// stream's, so a nested call made with it ends when that client goes away; give nested calls
// a deadline of their own as well.
//
// Lifecycle. New makes the server, the manager and the configuration, and starts the nodes
// connecting in the background; it fails only on bad members (an id that members lacks, two
// members at one server, an address that does not resolve) or manager options gRPC refuses
// (transport credentials are required, as for every manager). A replica whose peers are
// down starts and serves; its calls to them fail with Unavailable until they come up, and
// the nodes reconnect by themselves. Start listens on the replica's address (or
// WithListenAddress) and serves in the background; Serve(lis) serves a listener of the
// caller's, blocking. Both also serve the in-memory listener of the replica's own node.
// Stop is a crash: it closes the manager (the handlers' calls in flight fail with
// Unavailable), stops the server and waits for every goroutine the replica started.
// GracefulStop lets running handlers finish first, their calls to the other replicas still
// working (the replica's own server takes no new requests then, so a nested call counts the
// replica itself as failed). A stopped
// replica does not serve again; make a new one, with the state it should keep.
//
// One node per server: the replica's manager holds one node per member; make further
// configurations of the members on Manager() (by ID, with the configurations' set
// algebra), not by address on a manager of your own, which would open a second connection
// to each replica and, for the replica itself, go through the network.
//
// Goroutines. Each listener is served by a goroutine of the server (Start starts the one
// for its listener, and Serve or Start the one for the in-memory listener, once); Stop and
// GracefulStop wait for them. The manager's node actors and the server's stream goroutines
// are those of packages manager and server. All methods of Replica are safe for concurrent
// use; the state a replica guards with its mutex is only whether it serves and whether it
// stopped.
//
// Package gorumstest starts N replicas in a test (gorumstest.NewReplicas), with the crash,
// restart and hang of its Cluster.
package replica
