package editions

// The editions-2023 service used as a user would, so a wrong signature fails to compile.

import (
	"context"

	"github.com/quorumcall/gorums"
)

type qspec struct{}

func (qspec) ReadQF(in *ReadRequest, replies map[uint32]*Value) (*Value, bool) { return nil, false }
func (qspec) ReadLatestQF(in *ReadRequest, replies map[uint32]*Value) (*Value_Tagged, int, bool) {
	return nil, 0, false
}

type server struct{}

func (server) Read(ctx gorums.ServerCtx, in *ReadRequest) (*Value, error)       { return nil, nil }
func (server) ReadLatest(ctx gorums.ServerCtx, in *ReadRequest) (*Value, error) { return nil, nil }
func (server) Write(ctx gorums.ServerCtx, in *Value)                            {}

func use(ctx context.Context) error {
	cfg, err := NewManager().NewConfiguration(gorums.WithNodeList(nil), qspec{})
	if err != nil {
		return err
	}
	v, err := cfg.Read(ctx, &ReadRequest{})
	var c *CorrectableValue_Tagged = cfg.ReadLatest(ctx, &ReadRequest{})
	t, _, err := c.Get()
	_ = t.GetValue().GetKey() + v.GetKey()
	cfg.Write(ctx, v)
	RegisterKeyValueServer(gorums.NewServer(), server{})
	return err
}
