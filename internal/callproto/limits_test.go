package callproto

import (
	"errors"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/quorumcall/gorums/internal/wire"
)

// openStream stands for an open stream: sendLimit only asks whether there is one.
type openStream struct{ grpc.ClientStream }

// TestSendLimitAcrossStreams follows a node through three streams: the limit its server
// announced on the first stream stands for the second until the second's header is read, and
// a header without a confirmation ends it.
func TestSendLimitAcrossStreams(t *testing.T) {
	n := &NodeActor{}
	a := &actorState{node: n, cfg: Config{Batching: true}}
	n.maxSend.Store(1 << 20)
	confirm := func(limit string) func() (metadata.MD, error) {
		return func() (metadata.MD, error) {
			return metadata.Pairs(wire.BatchKey, wire.BatchVersion, wire.BatchLimitKey, limit), nil
		}
	}
	noConfirm := func() (metadata.MD, error) { return metadata.MD{}, nil }
	broken := func() (metadata.MD, error) { return nil, errors.New("stream broke") }

	steps := []struct {
		what   string
		do     func()
		want   int
		batchy bool
	}{
		{"no stream", func() {}, 1 << 20, false},
		{"first stream, header unread: no server limit known yet", func() { a.gen, a.stream = 1, openStream{} }, 1 << 20, false},
		{"first stream confirmed with 2048", func() { n.readConfirmation(1, confirm("2048")) }, 2048, true},
		{"second stream, header unread: the first's limit stands", func() { a.gen = 2 }, 2048, false},
		{"second stream's header read fails: still unread", func() { n.readConfirmation(2, broken) }, 2048, false},
		{"third stream confirmed with 4096", func() { a.gen = 3; n.readConfirmation(3, confirm("4096")) }, 4096, true},
		{"fourth stream, header unread", func() { a.gen = 4 }, 4096, false},
		{"fourth stream not confirmed: no server limit", func() { n.readConfirmation(4, noConfirm) }, 1 << 20, false},
		{"fifth stream, header unread: nothing known", func() { a.gen = 5 }, 1 << 20, false},
		{"no stream", func() { a.stream = nil }, 1 << 20, false},
	}
	for _, s := range steps {
		s.do()
		if got := a.sendLimit(); got != s.want {
			t.Errorf("%s: send limit %d, want %d", s.what, got, s.want)
		}
		if got := a.batching(); got != s.batchy {
			t.Errorf("%s: batching %v, want %v", s.what, got, s.batchy)
		}
	}

	// Without batching nothing is announced, and no server limit ever applies.
	n2 := &NodeActor{}
	b := &actorState{node: n2, cfg: Config{}, gen: 1, stream: openStream{}}
	n2.peerLimit.Store(100)
	if got := b.sendLimit(); got != 0 {
		t.Errorf("a stream that does not batch: send limit %d, want 0 (none known)", got)
	}
}
