package wire

import (
	"bytes"
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// FuzzDecode checks that any input either decodes or fails with ErrMalformed, never panics, and
// that whatever decodes survives a re-encode and decode unchanged.
func FuzzDecode(f *testing.F) {
	seed, _ := Encode(1, "dev.ZorumsService.QuorumCall", nil, nil, wrapperspb.String("x"))
	f.Add(seed)
	withAll, _ := Encode(99, "a.B.C", &spb.Status{Code: 5, Message: "m"}, []Entry{{"k", "v"}}, wrapperspb.Int64(-1))
	f.Add(withAll)
	f.Add([]byte{0, 0})
	f.Add([]byte{2, 0x08, 1, 0, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		if err := m.Decode(b); err != nil {
			return
		}
		again, err := AppendMessage(nil, &m)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var m2 Message
		if err := m2.Decode(again); err != nil {
			t.Fatalf("decode of re-encoded % x: %v", again, err)
		}
		if m.MessageID != m2.MessageID || m.Method != m2.Method || !bytes.Equal(m.Payload, m2.Payload) ||
			!proto.Equal(m.Status, m2.Status) || len(m.Entries) != len(m2.Entries) {
			t.Fatalf("round trip changed %+v into %+v", m, m2)
		}
		for i := range m.Entries {
			if m.Entries[i] != m2.Entries[i] {
				t.Fatalf("entry %d: %+v != %+v", i, m.Entries[i], m2.Entries[i])
			}
		}
	})
}
