package comments

// The generated API of comments.proto, used as a user would: the copied comments change
// only doc comments, not signatures.

import (
	"context"

	"github.com/quorumcall/gorums"
)

type qspec struct{}

var _ QuorumSpec = qspec{}

func (qspec) ReadQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) ReadAsyncQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}
func (qspec) ReadLatestQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return nil, 0, false
}
func (qspec) WatchQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	return nil, 0, false
}
func (qspec) WriteQF(in *Request, replies map[uint32]*Response) (*Response, bool) {
	return nil, false
}

type server struct{}

var _ Register = server{}

func (server) Ordered(ctx gorums.ServerCtx, in *Request) (*Response, error) { return nil, nil }
func (server) Notify(ctx gorums.ServerCtx, in *Request)                     {}
func (server) Gossip(ctx gorums.ServerCtx, in *Request)                     {}
func (server) Read(ctx gorums.ServerCtx, in *Request) (*Response, error)    { return nil, nil }
func (server) ReadAsync(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) ReadLatest(ctx gorums.ServerCtx, in *Request) (*Response, error) {
	return nil, nil
}
func (server) Watch(ctx gorums.ServerCtx, in *Request, send func(*Response) error) error {
	return nil
}
func (server) Write(ctx gorums.ServerCtx, in *Request) (*Response, error) { return nil, nil }

func use(ctx context.Context) error {
	RegisterRegisterServer(gorums.NewServer(), server{})
	cfg, err := NewManager().NewConfiguration(qspec{}, gorums.WithNodeList(nil))
	if err != nil {
		return err
	}
	for _, n := range cfg.Nodes() {
		if _, err := n.Ordered(ctx, &Request{}); err != nil {
			return err
		}
		n.Notify(ctx, &Request{})
	}
	cfg.Gossip(ctx, &Request{}, func(in *Request, id uint32) *Request { return in })
	if _, err := cfg.Read(ctx, &Request{}); err != nil {
		return err
	}
	var _ *AsyncResponse = cfg.ReadAsync(ctx, &Request{})
	var _ *CorrectableResponse = cfg.ReadLatest(ctx, &Request{})
	var _ *CorrectableStreamResponse = cfg.Watch(ctx, &Request{})
	_, err = cfg.Write(ctx, &Request{})
	return err
}
