package noquorum

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gorumstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type server struct{}

func (server) Get(_ gorums.ServerCtx, in *Req) (*Resp, error) {
	return &Resp{Value: in.GetValue()}, nil
}
func (server) Gossip(_ gorums.ServerCtx, _ *Req) {}

// v07QSpec is what Gorums v0.7 code passes to NewConfiguration whatever the service: here it
// has nothing to do.
type v07QSpec struct{ quorumSize int }

// TestQuorumSpecAcceptedAndIgnored shows a service without quorum methods accepts a
// QuorumSpec among NewConfiguration's options and ConfigurationFromRaw's arguments, and
// ignores it, as Gorums v0.7 did; the configuration works.
func TestQuorumSpecAcceptedAndIgnored(t *testing.T) {
	c := gorumstest.NewCluster(t, 1, func(int) gorumstest.Server {
		srv := gorums.NewServer()
		RegisterPlainServer(srv, server{})
		return srv
	})
	mgr := gorumstest.NewManager(t, c, NewManager)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	nodes := c.NodeList()
	for _, opts := range [][]gorums.ConfigOption{
		{nodes},
		{&v07QSpec{quorumSize: 1}, nodes},
		{nodes, v07QSpec{}},
		{nodes, (*v07QSpec)(nil)},
	} {
		cfg, err := mgr.NewConfiguration(opts...)
		if err != nil {
			t.Fatalf("NewConfiguration(%v): %v", opts, err)
		}
		for _, c := range []*Configuration{cfg, ConfigurationFromRaw(cfg.RawConfiguration, &v07QSpec{}), ConfigurationFromRaw(cfg.RawConfiguration, nil)} {
			if r, err := c.Nodes()[0].Get(ctx, &Req{Value: "x"}); err != nil || r.GetValue() != "x" {
				t.Errorf("Get = %v, %v; want x", r, err)
			}
		}
	}
	for _, opts := range [][]gorums.ConfigOption{
		{nodes, &v07QSpec{}, &v07QSpec{}},
		{nodes, gorums.WithSendBufferSize(1)},
		{nodes, nil},
	} {
		if _, err := mgr.NewConfiguration(opts...); err == nil {
			t.Errorf("NewConfiguration(%v) accepted a wrong option", opts)
		}
	}
}
