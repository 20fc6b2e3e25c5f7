// Package gorums is a framework for quorum calls. You describe a service in a .proto file and
// mark its methods with the Gorums options of gorums.proto (beside this file); protoc-gen-gorums
// turns it into a typed client and server. One call on a configuration of nodes sends the
// request to all of them, and your quorum function turns their replies into one result.
//
// # Using it
//
// A service with a quorum call:
//
//	import "gorums.proto";
//
//	service Storage {
//	  rpc Read(ReadRequest) returns (State) {}   // an ordered RPC on one node
//	  rpc ReadQC(ReadRequest) returns (State) {  // a quorum call on a configuration
//	    option (gorums.quorumcall) = true;
//	  }
//	}
//
// Generate the code with protoc (or go run ./gen/internal/regen inside this module):
//
//	protoc -I=$(go list -m -f {{.Dir}} github.com/quorumcall/gorums):. \
//	  --go_out=paths=source_relative:. --gorums_out=paths=source_relative:. storage.proto
//
// The server implements the generated Storage interface and serves it:
//
//	srv := gorums.NewServer()
//	RegisterStorageServer(srv, &storageSrv{})    // Read(ctx gorums.ServerCtx, in *ReadRequest) (*State, error), ...
//	go srv.Serve(lis)                            // until srv.Stop() or srv.GracefulStop()
//
// The client implements the generated QuorumSpec, one quorum function per quorum call, called
// with the replies so far until it reports a quorum:
//
//	type QSpec struct{ quorumSize int }
//
//	var _ QuorumSpec = (*QSpec)(nil) // the compiler names any quorum function missing
//
//	func (qs *QSpec) ReadQCQF(_ *ReadRequest, replies map[uint32]*State) (*State, bool) {
//		if len(replies) < qs.quorumSize {
//			return nil, false // wait for more replies
//		}
//		return newest(replies), true
//	}
//
// and calls the servers through a manager and a configuration:
//
//	mgr := NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
//	defer mgr.Close()
//	cfg, err := mgr.NewConfiguration(&QSpec{quorumSize: 2}, gorums.WithNodeList(addrs))
//	state, err := cfg.ReadQC(ctx, &ReadRequest{})          // all nodes; ReadQCQF decides
//	state, err = cfg.Nodes()[0].Read(ctx, &ReadRequest{})  // one node
//
// The examples of this package run each call type on servers in the test's process:
// a quorum call (Example), a server (Example_server), an asynchronous call (ExampleAsync), a
// correctable call (ExampleCorrectable), a multicast (ExampleMulticast), the configuration
// algebra (ExampleNodeListOption), a handler that calls Release (ExampleServerCtx) and the
// error of a call without a quorum (ExampleQuorumCallError); client and server interceptors
// (ExampleWithInterceptors, ExampleWithServerInterceptors) and configurations from failures
// and latency (ExampleRawConfiguration_WithoutErrors, ExampleRawConfiguration_Fastest).
// NewReplica makes a replica that serves the service and calls the other replicas
// (ExampleNewReplica, package replica).
//
// Package quorum has stock quorum functions, and package gorumstest runs servers or replicas
// inside a test, to stop, restart and hang them (TestSetup, kept from Gorums v0.7, is built
// on it). The repository's README walks through all of it, and docs/architecture.md in the
// repository explains the design.
//
// This package holds no logic of its own: its types are aliases of, and its functions thin
// wrappers over, the packages that do the work; go doc those for the methods of the aliases:
//
//	manager/          RawManager and RawNode: the node pool and one actor per node
//	configuration/    RawConfiguration, its set algebra, the call engines and QuorumCallError
//	server/           Server, ServerCtx and interceptors; per client stream a receive loop,
//	                  the handler lock and a reply queue
//
// # Call types
//
// A method without call-type option is an ordered RPC on a Node. The options are:
//
//	option                      generated client method
//	(none)                      func (n *Node) M(ctx, in) (*Resp, error)
//	unicast                     func (n *Node) M(ctx, in, opts ...gorums.CallOption)
//	multicast                   func (c *Configuration) M(ctx, in, opts ...gorums.CallOption)
//	quorumcall                  func (c *Configuration) M(ctx, in) (*Resp, error)
//	quorumcall + async          func (c *Configuration) M(ctx, in) *AsyncResp
//	correctable                 func (c *Configuration) M(ctx, in) *CorrectableResp
//	correctable, stream reply   func (c *Configuration) M(ctx, in) *CorrectableStreamResp
//	per_node_arg                adds f func(*Req, uint32) *Req after in; nil skips a node
//	custom_return_type = "T"    the quorum function and the method return *T
//
// # Options
//
// Manager options (defaults in manager/options.go):
//
//	WithGrpcDialOptions(opts...)   gRPC dial options for every node (e.g. transport credentials)
//	WithDialTimeout(d)             NewConfiguration waits up to d for new nodes (default: no wait)
//	WithLogger(*zap.Logger)        lifecycle at Info/Warn, call traces at Debug (default: no-op)
//	WithBackoff(backoff.Config)    reconnect backoff (default: 100ms base, x1.6, jitter 0.2, 5s max)
//	WithSendBufferSize(n)          messages queued per node (default 1024)
//	WithConnectWait(d)             wait of a request without deadline for a first connection (default 3s)
//	WithNoConnect()                nodes that never connect; their requests fail with Unavailable
//	WithMetadata(md)               gRPC metadata sent on every node's stream
//	WithPerNodeMetadata(f)         extra metadata per node ID
//	WithInterceptors(ics...)       client interceptors around every call of every call type
//	WithNoBatching()               the same option as the server's: no batched frames
//	WithReceiveWindow(size)        the same option as the server's: static receive window per node
//	                               (default 16 MiB; 0: gRPC's dynamic one)
//
// Node lists for NewConfiguration: WithNodeList(addrs) (IDs are the FNV-1a hash of the resolved
// "ip:port"), WithNodeMap(map[addr]id), WithNodeIDs(ids), and a configuration's And, Except,
// WithNewNodes and WithoutNodes.
//
// Call option: WithNoSendWaiting() makes a unicast or multicast return once its message is
// queued, rather than once it is on the stream.
//
// Server options (defaults in server/options.go):
//
//	WithReceiveBufferSize(n)       replies held per client stream for a slow reader (default 1024)
//	WithReplyBufferBytes(n)        bytes of replies held per client stream (default 4 MiB)
//	WithMaxStreams(n)              client streams served at once (default 10000)
//	WithGracefulStopTimeout(d)     GracefulStop stops hard after d (default 10s)
//	WithServerInterceptors(ics...) interceptors around every handler of every call type
//	WithGRPCServerOptions(opts...) options of the underlying gRPC server
//	WithConnectCallback(f)         called with each new client stream's context
//	WithLogger(*zap.Logger)        the same option as the manager's: streams at Info, requests at Debug
//	WithNoBatching()               the same option as the manager's: never confirm batched frames
//	WithReceiveWindow(size)        the same option as the manager's: static receive window per
//	                               client connection (default 16 MiB; 0: gRPC's dynamic one)
//
// # Errors
//
// A quorum call that gets no quorum returns a QuorumCallError by value, with each failed node's
// cause: errors.As(err, &qcErr) with var qcErr gorums.QuorumCallError; errors.Is(err,
// gorums.ErrIncomplete) when every node answered or failed, errors.Is(err,
// context.DeadlineExceeded) when the deadline came first. An ordered RPC returns the handler's
// status error as is.
//
// # Concurrency
//
// Managers, configurations, nodes and servers are safe for concurrent use. Calls from one
// goroutine reach each node in the order they were made, whatever their type.
package gorums
