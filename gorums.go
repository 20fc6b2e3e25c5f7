package gorums

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/configuration"
	"github.com/quorumcall/gorums/manager"
	"github.com/quorumcall/gorums/server"
)

// Types of the client side. Generated Manager, Configuration and Node types embed these.
type (
	// RawManager is a pool of nodes; see manager.Manager.
	RawManager = manager.Manager
	// RawNode is one node of a manager; see manager.Node.
	RawNode = manager.Node
	// RawConfiguration is an immutable set of nodes; see configuration.Configuration.
	RawConfiguration = configuration.Configuration
	// ManagerOption configures a manager.
	ManagerOption = manager.Option
	// NodeListOption says which nodes a configuration has.
	NodeListOption = configuration.NodeListOption
	// QuorumCallError is the error of a quorum call without a quorum.
	QuorumCallError = configuration.QuorumCallError
	// NodeError is one node's error in a QuorumCallError.
	NodeError = configuration.NodeError
	// Error is NodeError under the name Gorums v0.7 gave it.
	Error = configuration.NodeError
	// MultiSorter sorts nodes by several orders; see OrderedBy.
	MultiSorter = manager.MultiSorter
	// ClientInterceptor is called before every call and told its outcome; see
	// manager.ClientInterceptor and WithInterceptors.
	ClientInterceptor = manager.ClientInterceptor
	// CallInfo describes a call to a ClientInterceptor.
	CallInfo = manager.CallInfo
	// CallOutcome is what a ClientInterceptor is told when a call has ended.
	CallOutcome = manager.CallOutcome
	// CallOption configures a one-way call.
	CallOption = configuration.CallOption
)

// Async is the future of an asynchronous quorum call; generated AsyncX types alias it.
type Async[Out any] = configuration.Async[Out]

// Correctable is the handle of a correctable call; generated CorrectableX and
// CorrectableStreamX types alias it.
type Correctable[Out any] = configuration.Correctable[Out]

// WithNoSendWaiting makes a one-way call return once its message is queued for each node.
func WithNoSendWaiting() CallOption { return configuration.WithNoSendWaiting() }

// ConfigOption is anything a generated NewConfiguration accepts: a NodeListOption or the
// service's QuorumSpec.
type ConfigOption any

// LevelNotSet is the level of a correctable call that has no result yet.
const LevelNotSet = configuration.LevelNotSet

// ErrIncomplete matches, with errors.Is, the error of a quorum call in which every node
// answered or failed without a quorum.
var ErrIncomplete = configuration.ErrIncomplete

// NewRawManager returns a manager; generated code wraps it in NewManager.
func NewRawManager(opts ...ManagerOption) *RawManager { return manager.New(opts...) }

// NewRawNode returns a node for the server at addr, with the ID WithNodeList would give it.
// Add it to a manager with RawManager.AddNode.
func NewRawNode(addr string) (*RawNode, error) { return manager.NewNode(addr) }

// NewRawNodeWithID returns a node for the server at addr with the given ID.
func NewRawNodeWithID(addr string, id uint32) (*RawNode, error) {
	return manager.NewNodeWithID(addr, id)
}

// OrderedBy returns a sorter of nodes by the less functions, in order (ID, Port,
// LastNodeError, Latency, or your own).
func OrderedBy(less ...func(n1, n2 *RawNode) bool) *MultiSorter { return manager.OrderedBy(less...) }

// Orders of nodes for OrderedBy.
var (
	// ID orders nodes by increasing ID.
	ID = manager.ID
	// Port orders nodes by port.
	Port = manager.Port
	// LastNodeError puts nodes with a last error first.
	LastNodeError = manager.LastNodeError
	// Latency orders nodes by increasing measured latency, unmeasured last.
	Latency = manager.Latency
)

// NewRawConfiguration returns the configuration opt describes on mgr.
func NewRawConfiguration(mgr *RawManager, opt NodeListOption) (RawConfiguration, error) {
	return configuration.New(mgr, opt)
}

// Manager options.

// WithGrpcDialOptions adds gRPC dial options for every node's connection.
func WithGrpcDialOptions(opts ...grpc.DialOption) ManagerOption {
	return manager.WithGrpcDialOptions(opts...)
}

// WithDialTimeout makes NewConfiguration wait up to d for its new nodes to connect.
func WithDialTimeout(d time.Duration) ManagerOption { return manager.WithDialTimeout(d) }

// LoggerOption is what WithLogger returns: it is both a ManagerOption and a ServerOption.
type LoggerOption struct {
	managerOption
	serverOption
}

type (
	managerOption = manager.Option
	serverOption  = server.Option
)

// WithLogger sets the zap logger of a manager (node lifecycle at Info/Warn, call traces at
// Debug) or of a server (stream lifecycle at Info, requests at Debug). The default logs
// nothing; the library never touches zap's globals.
func WithLogger(l *zap.Logger) LoggerOption {
	return LoggerOption{managerOption: manager.WithLogger(l), serverOption: server.WithLogger(l)}
}

// WithConnectWait sets how long a request whose context has no deadline waits for its node's
// first connection attempt (default 3s).
func WithConnectWait(d time.Duration) ManagerOption { return manager.WithConnectWait(d) }

// WithNoConnect makes a manager whose nodes never connect: they have IDs and addresses, and
// configurations of them can be made, but requests to them fail with Unavailable.
func WithNoConnect() ManagerOption { return manager.WithNoConnect() }

// WithInterceptors adds client interceptors to a manager: each is called before every call of
// every call type, may add outgoing metadata or refuse the call, and is told the outcome.
func WithInterceptors(interceptors ...ClientInterceptor) ManagerOption {
	return manager.WithInterceptors(interceptors...)
}

// BatchingOption is what WithNoBatching returns: it is both a ManagerOption and a
// ServerOption.
type BatchingOption struct {
	managerOption
	serverOption
}

// WithNoBatching turns batched frames off for a manager (its nodes neither announce nor send
// them) or a server (it does not confirm them). By default two Gorums peers of this version
// pack the messages queued together into one gRPC message; peers of other versions and raw
// clients never see a batch either way.
func WithNoBatching() BatchingOption {
	return BatchingOption{managerOption: manager.WithNoBatching(), serverOption: server.WithNoBatching()}
}

// WithBackoff sets the backoff between reconnection attempts.
func WithBackoff(cfg backoff.Config) ManagerOption { return manager.WithBackoff(cfg) }

// ReceiveWindowOption is what WithReceiveWindow returns: it is both a ManagerOption and a
// ServerOption.
type ReceiveWindowOption struct {
	managerOption
	serverOption
}

// WithReceiveWindow sets the static flow-control window, in bytes, of each connection on the
// receiving side: a manager's nodes for the replies that come to it (see
// manager.WithReceiveWindow), a server's clients for the requests that come to it (see
// server.WithReceiveWindow). Both default to 16 MiB; size 0 gives gRPC's dynamic window, which
// probes the link with a ping per round trip.
func WithReceiveWindow(size uint32) ReceiveWindowOption {
	return ReceiveWindowOption{managerOption: manager.WithReceiveWindow(size), serverOption: server.WithReceiveWindow(size)}
}

// WithSendBufferSize sets how many messages may wait in each node's mailbox.
func WithSendBufferSize(size uint) ManagerOption { return manager.WithSendBufferSize(size) }

// WithMetadata sets metadata sent to every node when its stream opens.
func WithMetadata(md metadata.MD) ManagerOption { return manager.WithMetadata(md) }

// WithPerNodeMetadata sets a function giving extra metadata for each node's stream.
func WithPerNodeMetadata(f func(nodeID uint32) metadata.MD) ManagerOption {
	return manager.WithPerNodeMetadata(f)
}

// Node lists.

// WithNodeList makes a configuration of the nodes at addrs; IDs come from the addresses.
func WithNodeList(addrs []string) NodeListOption { return configuration.WithNodeList(addrs) }

// WithNodeMap makes a configuration of the nodes at the map's addresses with its IDs.
func WithNodeMap(idMap map[string]uint32) NodeListOption { return configuration.WithNodeMap(idMap) }

// WithNodeIDs makes a configuration of nodes the manager already has.
func WithNodeIDs(ids []uint32) NodeListOption { return configuration.WithNodeIDs(ids) }

// Call engines, called by generated code.

// RPCCall is an ordered RPC on one node; see configuration.RPCCall.
func RPCCall[Req, Resp proto.Message](ctx context.Context, n *RawNode, method string, in Req) (Resp, error) {
	return configuration.RPCCall[Req, Resp](ctx, n, method, in)
}

// QuorumCall is a quorum call on a configuration; see configuration.QuorumCall.
func QuorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	return configuration.QuorumCall(ctx, c, method, in, qf)
}

// QuorumCallPerNode is a quorum call with a request per node; see configuration.QuorumCallPerNode.
func QuorumCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) (Out, error) {
	return configuration.QuorumCallPerNode(ctx, c, method, in, perNode, qf)
}

// Unicast sends a one-way message to one node; see configuration.Unicast.
func Unicast[Req proto.Message](ctx context.Context, n *RawNode, method string, in Req, opts ...CallOption) {
	configuration.Unicast(ctx, n, method, in, opts...)
}

// Multicast sends a one-way message to every node; see configuration.Multicast.
func Multicast[Req proto.Message](ctx context.Context, c RawConfiguration, method string, in Req, opts ...CallOption) {
	configuration.Multicast(ctx, c, method, in, opts...)
}

// MulticastPerNode sends a one-way message per node; see configuration.MulticastPerNode.
func MulticastPerNode[Req proto.Message](ctx context.Context, c RawConfiguration, method string, in Req,
	perNode func(Req, uint32) Req, opts ...CallOption,
) {
	configuration.MulticastPerNode(ctx, c, method, in, perNode, opts...)
}

// AsyncCall starts a quorum call and returns its future; see configuration.AsyncCall.
func AsyncCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, bool),
) *Async[Out] {
	return configuration.AsyncCall(ctx, c, method, in, qf)
}

// AsyncCallPerNode is AsyncCall with a request per node.
func AsyncCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool),
) *Async[Out] {
	return configuration.AsyncCallPerNode(ctx, c, method, in, perNode, qf)
}

// CorrectableCall starts a correctable call; see configuration.CorrectableCall.
func CorrectableCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return configuration.CorrectableCall(ctx, c, method, in, qf)
}

// CorrectableCallPerNode is CorrectableCall with a request per node.
func CorrectableCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return configuration.CorrectableCallPerNode(ctx, c, method, in, perNode, qf)
}

// CorrectableStreamCall starts a correctable stream call; see configuration.CorrectableStreamCall.
func CorrectableStreamCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return configuration.CorrectableStreamCall(ctx, c, method, in, qf)
}

// CorrectableStreamCallPerNode is CorrectableStreamCall with a request per node.
func CorrectableStreamCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool),
) *Correctable[Out] {
	return configuration.CorrectableStreamCallPerNode(ctx, c, method, in, perNode, qf)
}
