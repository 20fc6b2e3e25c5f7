package gentest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/quorumcall/gorums"
)

// qspec takes the first reply of Read, ReadAsync and ReadLevels and prefixes its value with
// tag, so a test can tell which QuorumSpec a call used. Follow is done at level 2.
type qspec struct{ tag string }

var _ QuorumSpec = (*qspec)(nil)

func (q *qspec) ReadQF(_ *Req, replies map[uint32]*Resp) (*Resp, bool) {
	for _, r := range replies {
		return &Resp{Value: q.tag + r.GetValue()}, true
	}
	return nil, false
}

func (q *qspec) ReadAsyncQF(in *Req, replies map[uint32]*Resp) (*Resp, bool) {
	return q.ReadQF(in, replies)
}

func (q *qspec) ReadLevelsQF(in *Req, replies map[uint32]*Resp) (*Resp, int, bool) {
	r, ok := q.ReadQF(in, replies)
	return r, len(replies), ok
}

func (q *qspec) FollowQF(in *Req, replies map[uint32]*Resp) (*Resp, int, bool) {
	r, ok := q.ReadQF(in, replies)
	return r, len(replies), ok
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), failsafe)
	t.Cleanup(cancel)
	return c
}

// TestConfigurationFromRaw gives the nodes of a configuration another QuorumSpec, as
// v0.7's generated comments present it.
func TestConfigurationFromRaw(t *testing.T) {
	addrs, mgr := cluster(t, 3)
	cfg1, err := mgr.NewConfiguration(&qspec{tag: "one:"}, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal(err)
	}
	cfg2 := ConfigurationFromRaw(cfg1.RawConfiguration, &qspec{tag: "two:"})
	if !cfg2.Equal(cfg1) || len(cfg2.Nodes()) != 3 || cfg2.Nodes()[0].ID() != cfg1.Nodes()[0].ID() {
		t.Fatalf("cfg2 has nodes %v, want cfg1's %v", cfg2.NodeIDs(), cfg1.NodeIDs())
	}
	for cfg, want := range map[*Configuration]string{cfg1: "one:x", cfg2: "two:x"} {
		r, err := cfg.Read(ctx(t), &Req{Value: "x"})
		if err != nil || r.GetValue() != want {
			t.Errorf("Read = %v, %v; want %q", r, err, want)
		}
	}
}

// TestNoQuorumSpec shows a configuration made by ConfigurationFromRaw with a nil
// QuorumSpec, or a typed nil one, fails every quorum-function method with an error matching
// gorums.ErrNoQuorumSpec, sends nothing, and still serves ordered RPCs.
func TestNoQuorumSpec(t *testing.T) {
	addrs, mgr := cluster(t, 3)
	cfg, err := mgr.NewConfiguration(&qspec{}, gorums.WithNodeList(addrs))
	if err != nil {
		t.Fatal(err)
	}
	for name, qs := range map[string]QuorumSpec{"nil": nil, "typed nil": (*qspec)(nil)} {
		t.Run(name, func(t *testing.T) {
			noQS := ConfigurationFromRaw(cfg.RawConfiguration, qs)
			in := &Req{Value: "x"}
			check := func(method string, err error) {
				t.Helper()
				if !errors.Is(err, gorums.ErrNoQuorumSpec) || !strings.Contains(err.Error(), "gentest.Compat."+method) {
					t.Errorf("%s: error %v, want one naming the method and matching gorums.ErrNoQuorumSpec", method, err)
				}
			}
			_, err := noQS.Read(ctx(t), in)
			check("Read", err)
			async := noQS.ReadAsync(ctx(t), in)
			if !async.Done() {
				t.Errorf("ReadAsync is not done")
			}
			_, err = async.Get()
			check("ReadAsync", err)
			for method, corr := range map[string]*gorums.Correctable[*Resp]{
				"ReadLevels": noQS.ReadLevels(ctx(t), in).Correctable,
				"Follow":     noQS.Follow(ctx(t), in).Correctable,
			} {
				<-corr.Done()
				r, level, err := corr.Get()
				check(method, err)
				if r != nil || level != gorums.LevelNotSet {
					t.Errorf("%s: Get = %v at level %d, want nothing at LevelNotSet", method, r, level)
				}
			}
		})
	}
	for i, n := range cfg.Nodes() {
		r, err := n.Count(ctx(t), &Req{})
		if err != nil || r.GetCount() != 0 {
			t.Errorf("server %d: Count = %v, %v; want 0 requests handled", i, r, err)
		}
	}
}

// TestHandleFieldNames uses the runtime handles under the field names Async and Correctable
// that Gorums v0.7's generated types gave them, and the methods they promote.
func TestHandleFieldNames(t *testing.T) {
	addrs, mgr := cluster(t, 3)
	cfg, err := mgr.NewConfiguration(gorums.WithNodeList(addrs), &qspec{tag: "q:"})
	if err != nil {
		t.Fatal(err)
	}
	in := &Req{Value: "x"}

	async := cfg.ReadAsync(ctx(t), in)
	var handle *gorums.Async[*Resp] = async.Async
	if r, err := handle.Get(); err != nil || r.GetValue() != "q:x" {
		t.Errorf("ReadAsync(...).Async.Get() = %v, %v; want q:x", r, err)
	}
	if r, err := async.Get(); err != nil || r.GetValue() != "q:x" || !async.Done() {
		t.Errorf("ReadAsync(...).Get() = %v, %v, done %t; want q:x, done", r, err, async.Done())
	}

	levels := cfg.ReadLevels(ctx(t), in)
	<-levels.Correctable.Done()
	if r, level, err := levels.Get(); err != nil || r.GetValue() != "q:x" || level < 1 {
		t.Errorf("ReadLevels(...).Get() = %v, %d, %v; want q:x at level 1 or more", r, level, err)
	}

	follow := cfg.Follow(ctx(t), in)
	<-follow.Watch(1)
	<-follow.Correctable.Done()
	if r, level, err := follow.Correctable.Get(); err != nil || r.GetValue() != "q:x" || level < 1 {
		t.Errorf("Follow(...).Correctable.Get() = %v, %d, %v; want q:x at level 1 or more", r, level, err)
	}
}

// TestClientStreamMulticast calls the multicast that the .proto file declares with a client
// stream, as v0.7 generated it: one message to every node per call.
func TestClientStreamMulticast(t *testing.T) {
	addrs, mgr := cluster(t, 3)
	cfg, err := mgr.NewConfiguration(gorums.WithNodeList(addrs), &qspec{})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Push(ctx(t), &Req{Value: "first"})
	cfg.Push(ctx(t), &Req{Value: "second"})
	// Count is handled after the pushes sent before it to the same node.
	for i, n := range cfg.Nodes() {
		r, err := n.Count(ctx(t), &Req{})
		if err != nil || r.GetCount() != 2 || r.GetValue() != "second" {
			t.Errorf("node %d: Count = %v, %v; want 2 pushes, the last \"second\"", i, r, err)
		}
	}
}
