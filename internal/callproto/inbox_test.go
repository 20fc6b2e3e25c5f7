package callproto

import (
	"errors"
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
)

// A stream call's inbox keeps only each node's newest unread reply, but a node's last word (a
// failure, or the status its handler ended with) queues behind that reply instead of
// replacing it: the collector must still see the reply.
func TestInboxStreamKeepsReplyBeforeLastWord(t *testing.T) {
	// The replies are told apart by a tag in NodeID.
	reply := func(node int32, tag byte) Response { return Response{Index: node, NodeID: uint32(tag)} }
	for _, tc := range []struct {
		name string
		last Response
	}{
		{"handler status", Response{Index: 0, Status: &spb.Status{Code: 10, Message: "no more"}}},
		{"node failure", Response{Index: 0, Err: errors.New("stream broke")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b inbox
			b.init(make([]Response, 4), true)
			b.put(reply(0, 'a'))
			b.put(reply(0, 'b')) // replaces a
			b.put(reply(1, 'c'))
			b.put(tc.last)
			got := b.take()
			if len(got) != 3 {
				t.Fatalf("took %d responses, want 3: %+v", len(got), got)
			}
			if got[0].NodeID != 'b' || got[1].NodeID != 'c' {
				t.Fatalf("replies %c, %c; want node 0's newest (b), then node 1's (c)", got[0].NodeID, got[1].NodeID)
			}
			if got[2].isReply() || got[2].Index != 0 {
				t.Fatalf("last response %+v, want node 0's last word", got[2])
			}
		})
	}
}
