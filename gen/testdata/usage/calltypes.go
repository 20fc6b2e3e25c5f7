package calltypes

// Every generated client method, QuorumSpec function and server method of calltypes.proto,
// used with the types a user would write, so a wrong signature fails to compile.

import (
	"context"

	"github.com/quorumcall/gorums"
	"google.golang.org/protobuf/types/known/emptypb"
)

type qspec struct{}

var _ QuorumSpec = qspec{}

func (qspec) QuorumCallQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) QuorumCallPerNodeQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) QuorumCallCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	return nil, false
}
func (qspec) QuorumCallComboQF(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	return nil, false
}
func (qspec) QuorumCallEmptyInQF(in *emptypb.Empty, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) QuorumCallEmptyOutQF(in *Request, replies map[uint32]*emptypb.Empty) (*emptypb.Empty, bool) {
	return nil, false
}
func (qspec) QuorumCallAsyncQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) QuorumCallAsyncPerNodeQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) QuorumCallAsyncCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, bool) {
	return nil, false
}
func (qspec) QuorumCallAsyncEmptyQF(in *Request, replies map[uint32]*emptypb.Empty) (*emptypb.Empty, bool) {
	return nil, false
}
func (qspec) CorrectableQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return nil, 0, false
}
func (qspec) CorrectablePerNodeQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return nil, 0, false
}
func (qspec) CorrectableCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, int, bool) {
	return nil, 0, false
}
func (qspec) CorrectableStreamQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return nil, 0, false
}
func (qspec) CorrectableStreamPerNodeQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return nil, 0, false
}
func (qspec) CorrectableStreamCustomReturnQF(in *Request, replies map[uint32]*Response) (*MyResponse, int, bool) {
	return nil, 0, false
}

type server struct{}

var _ CallTypes = server{}

func (server) OrderedRPC(ctx gorums.ServerCtx, in *Request) (*Response, error)  { return nil, nil }
func (server) ExplicitRPC(ctx gorums.ServerCtx, in *Request) (*Response, error) { return nil, nil }
func (server) Unicast(ctx gorums.ServerCtx, in *Request)                        {}
func (server) Multicast(ctx gorums.ServerCtx, in *Request)                      {}
func (server) MulticastPerNode(ctx gorums.ServerCtx, in *Request)               {}
func (server) MulticastClientStream(ctx gorums.ServerCtx, in *Request)          {}
func (server) QuorumCall(ctx gorums.ServerCtx, in *Request) (*Response, error)  { return nil, nil }
func (server) QuorumCallPerNode(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallCustomReturn(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallCombo(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallEmptyIn(ctx gorums.ServerCtx, in *emptypb.Empty) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallEmptyOut(ctx gorums.ServerCtx, in *Request) (*emptypb.Empty, error) {
	return nil, nil
}
func (server) QuorumCallAsync(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallAsyncPerNode(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallAsyncCustomReturn(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) QuorumCallAsyncEmpty(ctx gorums.ServerCtx, in *Request) (*emptypb.Empty, error) {
	return nil, nil
}
func (server) Correctable(ctx gorums.ServerCtx, in *Request) (*Response, error) { return nil, nil }
func (server) CorrectablePerNode(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) CorrectableCustomReturn(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) CorrectableStream(ctx gorums.ServerCtx, in *Request, send func(*Response) error) error {
	return send(&Response{})
}
func (server) CorrectableStreamPerNode(ctx gorums.ServerCtx, in *Request, send func(*Response) error) error {
	return nil
}
func (server) CorrectableStreamCustomReturn(ctx gorums.ServerCtx, in *Request, send func(*Response) error) error {
	return nil
}

func useClient(ctx context.Context) error {
	mgr := NewManager()
	cfg, err := mgr.NewConfiguration(qspec{}, gorums.WithNodeList([]string{"127.0.0.1:1"}))
	if err != nil {
		return err
	}
	in := &Request{}
	perNode := func(r *Request, id uint32) *Request { return r }
	for _, n := range cfg.Nodes() {
		var _ *Response
		var err error
		_, err = n.OrderedRPC(ctx, in)
		_, err = n.ExplicitRPC(ctx, in)
		n.Unicast(ctx, in, gorums.WithNoSendWaiting())
		_ = err
	}
	cfg.Multicast(ctx, in)
	cfg.MulticastPerNode(ctx, in, perNode, gorums.WithNoSendWaiting())
	cfg.MulticastClientStream(ctx, in)
	cfg = ConfigurationFromRaw(cfg.RawConfiguration, qspec{})
	var r *Response
	var my *MyResponse
	var empty *emptypb.Empty
	r, err = cfg.QuorumCall(ctx, in)
	r, err = cfg.QuorumCallPerNode(ctx, in, perNode)
	my, err = cfg.QuorumCallCustomReturn(ctx, in)
	my, err = cfg.QuorumCallCombo(ctx, in, perNode)
	r, err = cfg.QuorumCallEmptyIn(ctx, &emptypb.Empty{})
	empty, err = cfg.QuorumCallEmptyOut(ctx, in)
	var a1 *AsyncResponse = cfg.QuorumCallAsync(ctx, in)
	// The handle types embed the runtime's handles under Gorums v0.7's field names.
	var a2 *gorums.Async[*Response] = cfg.QuorumCallAsyncPerNode(ctx, in, perNode).Async
	var a3 *AsyncMyResponse = cfg.QuorumCallAsyncCustomReturn(ctx, in)
	var a4 *AsyncEmpty = cfg.QuorumCallAsyncEmpty(ctx, in)
	r, err = a1.Get()
	r, err = a2.Get()
	my, err = a3.Get()
	empty, err = a4.Get()
	var c1 *CorrectableResponse = cfg.Correctable(ctx, in)
	var c2 *gorums.Correctable[*Response] = cfg.CorrectablePerNode(ctx, in, perNode).Correctable
	var c3 *CorrectableMyResponse = cfg.CorrectableCustomReturn(ctx, in)
	var s1 *CorrectableStreamResponse = cfg.CorrectableStream(ctx, in)
	var s2 *gorums.Correctable[*Response] = cfg.CorrectableStreamPerNode(ctx, in, perNode).Correctable
	var s3 *CorrectableStreamMyResponse = cfg.CorrectableStreamCustomReturn(ctx, in)
	<-c1.Watch(2)
	<-c2.Done()
	my, _, err = c3.Get()
	r, _, err = s1.Get()
	r, _, err = s2.Get()
	my, _, err = s3.Get()
	_, _, _ = r, my, empty
	RegisterCallTypesServer(gorums.NewServer(), server{})
	return err
}
