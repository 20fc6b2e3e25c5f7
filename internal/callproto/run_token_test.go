package callproto

import (
	"testing"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/wire"
)

// The node's goroutine yields before a batch only while yielding gathers requests: after a
// yield that found nothing new in the mailbox it skips the next yieldBackoff ones, then tries
// again; with a batch's worth queued already it does not yield at all.
func TestYieldBacksOffWhenNothingComes(t *testing.T) {
	mb := actor.NewMailbox[nodeMsg](2 * wire.BatchMaxEnvelopes)
	a := &actorState{node: &NodeActor{mailbox: mb}}
	for round := range 3 {
		a.yieldToSenders() // nothing else runs here: the mailbox stays empty
		if a.skipYields != yieldBackoff {
			t.Fatalf("round %d: after a yield that gathered nothing, %d yields to skip, want %d", round, a.skipYields, yieldBackoff)
		}
		for i := yieldBackoff - 1; i >= 0; i-- {
			a.yieldToSenders()
			if a.skipYields != i {
				t.Fatalf("round %d: %d yields to skip, want %d", round, a.skipYields, i)
			}
		}
	}
	for range wire.BatchMaxEnvelopes - 1 {
		if err := mb.TrySend(nodeMsg{kind: msgRequest}); err != nil {
			t.Fatal(err)
		}
	}
	a.yieldToSenders()
	if a.skipYields != 0 {
		t.Fatalf("with a batch's worth queued the goroutine yielded (%d to skip)", a.skipYields)
	}
}
