// Package gorums is a stand-in for the runtime's root package with exactly the API that
// generated code may call: the contract between the generator and the runtime. The compile
// test builds generated code against it, so the generator is checked against the contract,
// not against whatever the runtime looks like today. Every body panics: this code is
// compiled, never run.
package gorums

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
)

type ManagerOption func()

type ConfigOption any

type NodeListOption interface{ nodeList() }

type CallOption func()

type RawManager struct{}

func NewRawManager(opts ...ManagerOption) *RawManager { panic("stub") }
func (*RawManager) Nodes() []*RawNode                 { panic("stub") }
func (*RawManager) Close() error                      { panic("stub") }
func (*RawManager) Size() int                         { panic("stub") }

type RawNode struct{}

func (*RawNode) ID() uint32             { panic("stub") }
func (*RawNode) Address() string        { panic("stub") }
func (*RawNode) LastErr() error         { panic("stub") }
func (*RawNode) Latency() time.Duration { panic("stub") }

type RawConfiguration struct{}

func NewRawConfiguration(mgr *RawManager, opt NodeListOption) (RawConfiguration, error) {
	panic("stub")
}
func (RawConfiguration) Nodes() []*RawNode                              { panic("stub") }
func (RawConfiguration) NodeIDs() []uint32                              { panic("stub") }
func (RawConfiguration) Size() int                                      { panic("stub") }
func (RawConfiguration) Equal(b RawConfiguration) bool                  { panic("stub") }
func (RawConfiguration) WithNewNodes(opt NodeListOption) NodeListOption { panic("stub") }
func (RawConfiguration) WithoutNodes(ids ...uint32) NodeListOption      { panic("stub") }
func (RawConfiguration) And(b RawConfiguration) NodeListOption          { panic("stub") }
func (RawConfiguration) Except(b RawConfiguration) NodeListOption       { panic("stub") }

func ConfigOptions[QS any](service string, opts []ConfigOption) (NodeListOption, QS, error) {
	panic("stub")
}
func NilQuorumSpec(qspec any) bool     { panic("stub") }
func NoQuorumSpec(method string) error { panic("stub") }

// Beyond the contract: constructors the usage files call.
func WithNodeList(addrs []string) NodeListOption    { panic("stub") }
func WithGrpcDialOptions(opts ...any) ManagerOption { panic("stub") }
func WithNoSendWaiting() CallOption                 { panic("stub") }
func NewServer(opts ...any) *Server                 { panic("stub") }
func (*Server) Serve(l any) error                   { panic("stub") }
func (*Server) Stop()                               { panic("stub") }

func RPCCall[Req, Resp proto.Message](ctx context.Context, n *RawNode, method string, in Req) (Resp, error) {
	panic("stub")
}

func QuorumCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string,
	in Req, qf func(Req, map[uint32]Resp) (Out, bool)) (Out, error) {
	panic("stub")
}

func QuorumCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool)) (Out, error) {
	panic("stub")
}

func Unicast[Req proto.Message](ctx context.Context, n *RawNode, method string, in Req, opts ...CallOption) {
	panic("stub")
}

func Multicast[Req proto.Message](ctx context.Context, c RawConfiguration, method string, in Req, opts ...CallOption) {
	panic("stub")
}

func MulticastPerNode[Req proto.Message](ctx context.Context, c RawConfiguration, method string, in Req,
	perNode func(Req, uint32) Req, opts ...CallOption) {
	panic("stub")
}

type Async[Out any] struct{ out Out }

func (*Async[Out]) Get() (Out, error) { panic("stub") }
func (*Async[Out]) Done() bool        { panic("stub") }

func FailedAsync[Out any](err error) *Async[Out] { panic("stub") }

func AsyncCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	qf func(Req, map[uint32]Resp) (Out, bool)) *Async[Out] {
	panic("stub")
}

func AsyncCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, bool)) *Async[Out] {
	panic("stub")
}

type Correctable[Out any] struct{ out Out }

func (*Correctable[Out]) Get() (Out, int, error)          { panic("stub") }
func (*Correctable[Out]) Done() <-chan struct{}           { panic("stub") }
func (*Correctable[Out]) Watch(level int) <-chan struct{} { panic("stub") }

func FailedCorrectable[Out any](err error) *Correctable[Out] { panic("stub") }

func CorrectableCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	qf func(Req, map[uint32]Resp) (Out, int, bool)) *Correctable[Out] {
	panic("stub")
}

func CorrectableCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool)) *Correctable[Out] {
	panic("stub")
}

func CorrectableStreamCall[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	qf func(Req, map[uint32]Resp) (Out, int, bool)) *Correctable[Out] {
	panic("stub")
}

func CorrectableStreamCallPerNode[Req, Resp proto.Message, Out any](ctx context.Context, c RawConfiguration, method string, in Req,
	perNode func(Req, uint32) Req, qf func(Req, map[uint32]Resp) (Out, int, bool)) *Correctable[Out] {
	panic("stub")
}

type Server struct{}

type ServerCtx struct {
	context.Context
}

func (ServerCtx) Release() {}

type Handler interface{ handler() }

func (*Server) RegisterHandler(method string, h Handler) { panic("stub") }

func UnaryHandler[Req, Resp proto.Message](f func(ServerCtx, Req) (Resp, error)) Handler {
	panic("stub")
}

func OneWayHandler[Req proto.Message](f func(ServerCtx, Req)) Handler { panic("stub") }

func StreamHandler[Req, Resp proto.Message](f func(ServerCtx, Req, func(Resp) error) error) Handler {
	panic("stub")
}
