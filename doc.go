// Package gorums is a framework for quorum calls: a protobuf service annotated with Gorums
// method options (gorums.proto, beside this file) is compiled by protoc-gen-gorums into a typed
// client and server, and one call on a configuration of nodes fans out to all of them while a
// quorum function turns their replies into one result.
//
// This package is the face that users and generated code import. It holds no logic of its own:
// its types are aliases of, and its functions thin wrappers over, the packages that do the
// work (see DESIGN in the repository):
//
//	actor/            mailbox and run loop, the primitive every actor is built from
//	internal/wire/    the NodeStream envelope and the gorums codec
//	manager/          Manager (the node pool) and the node actor, one per node
//	configuration/    Configuration, set algebra, the call engines and the collector
//	server/           Server; per client stream a receive loop, the handler lock and a
//	                  reply queue the replying handler writes; ServerCtx, interceptors
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
//	WithBackoff(backoff.Config)    reconnect backoff (default: 100ms base, x1.6, 5s max)
//	WithSendBufferSize(n)          messages queued per node (default 1024)
//	WithMetadata(md)               gRPC metadata sent on every node's stream
//	WithPerNodeMetadata(f)         extra metadata per node ID
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
