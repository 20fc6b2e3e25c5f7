package callproto

import (
	"testing"

	"github.com/quorumcall/gorums/actor"
	"github.com/quorumcall/gorums/internal/wire"
)

// The node's goroutine yields before every batch that is not full yet, also after yields that
// gathered nothing, and not when a batch's worth is queued already.
func TestYieldUnlessBatchIsFull(t *testing.T) {
	mb := actor.NewMailbox[nodeMsg](2 * wire.BatchMaxEnvelopes)
	a := &actorState{node: &NodeActor{mailbox: mb}}
	for round := range 20 {
		if !a.yieldToSenders() { // nothing else runs here: the mailbox stays empty
			t.Fatalf("round %d: no yield before a batch of one", round)
		}
	}
	for range wire.BatchMaxEnvelopes - 2 {
		if err := mb.TrySend(nodeMsg{kind: msgRequest}); err != nil {
			t.Fatal(err)
		}
	}
	if !a.yieldToSenders() {
		t.Fatalf("no yield with %d queued, room for more in the batch", mb.Len())
	}
	if err := mb.TrySend(nodeMsg{kind: msgRequest}); err != nil {
		t.Fatal(err)
	}
	if a.yieldToSenders() {
		t.Fatalf("yielded with a batch's worth (%d) queued", mb.Len())
	}
}
