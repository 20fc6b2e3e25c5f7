package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestEncodeExactBytes(t *testing.T) {
	got, err := Encode(1, "dev.ZorumsService.QuorumCall", nil, nil, wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	const want = "20 08 01 12 1c 64 65 76 2e 5a 6f 72 75 6d 73 53 65 72 76 69 63 65 2e 51 75 6f 72 75 6d 43 61 6c 6c 03 0a 01 78"
	wantBytes, _ := hex.DecodeString(strings.ReplaceAll(want, " ", ""))
	if !bytes.Equal(got, wantBytes) {
		t.Fatalf("Encode:\n got % x\nwant % x", got, wantBytes)
	}
	// The codec's *Message path frames the same bytes.
	viaCodec, err := Codec{}.Marshal(&Message{MessageID: 1, Method: "dev.ZorumsService.QuorumCall", Payload: []byte{0x0a, 0x01, 0x78}})
	if err != nil || !bytes.Equal(viaCodec.Materialize(), wantBytes) {
		t.Fatalf("Codec.Marshal: got % x, %v", viaCodec, err)
	}
}

func TestRoundTrip(t *testing.T) {
	st := &spb.Status{Code: int32(codes.NotFound), Message: "no such key"}
	entries := []Entry{{Key: "k", Value: "v"}, {Key: "empty"}, {Value: "no key"}}
	b, err := Encode(1<<40, "pkg.Svc.M", st, entries, wrapperspb.String("payload"))
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := (Codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, &m); err != nil {
		t.Fatal(err)
	}
	if m.MessageID != 1<<40 || m.Method != "pkg.Svc.M" || !proto.Equal(m.Status, st) {
		t.Fatalf("decoded %+v", m)
	}
	if len(m.Entries) != 3 || m.Entries[0] != entries[0] || m.Entries[1] != entries[1] || m.Entries[2] != entries[2] {
		t.Fatalf("entries: %+v", m.Entries)
	}
	var got wrapperspb.StringValue
	if err := proto.Unmarshal(m.Payload, &got); err != nil || got.Value != "payload" {
		t.Fatalf("payload: %v %v", got.Value, err)
	}
}

func TestDecodeSkipsUnknownMetadataFields(t *testing.T) {
	// Metadata {MessageID: 7, field 9 (varint) = 1}, empty payload.
	b := []byte{4, 0x08, 7, 0x48, 1, 0}
	var m Message
	if err := m.Decode(b); err != nil || m.MessageID != 7 {
		t.Fatalf("got %+v, %v", m, err)
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	cases := map[string][]byte{
		"empty":                 {},
		"metadata too long":     {5, 0x08},
		"no payload length":     {2, 0x08, 1},
		"payload too long":      {2, 0x08, 1, 4, 0},
		"trailing bytes":        {2, 0x08, 1, 0, 0xff},
		"id with bytes type":    {3, 0x0a, 1, 0, 0},
		"method with varint":    {2, 0x10, 1, 0},
		"bad status":            {3, 0x1a, 1, 0xff, 0},
		"bad entry":             {3, 0x22, 1, 0x08, 0},
		"entry key with varint": {4, 0x22, 2, 0x08, 1, 0},
		"truncated tag":         {1, 0x80, 0},
		"overlong varint":       {11, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			var m Message
			err := m.Decode(b)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(% x) = %v, want ErrMalformed", b, err)
			}
		})
	}
}

func TestCodecRejectsWrongTypes(t *testing.T) {
	if _, err := (Codec{}).Marshal("x"); err == nil {
		t.Fatal("Marshal(string) succeeded")
	}
	if err := (Codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer([]byte{0, 0})}, new(Frame)); err == nil {
		t.Fatal("Unmarshal into *Frame succeeded")
	}
	if b, err := (Codec{}).Marshal(&Frame{Bytes: []byte{1, 2}}); err != nil || !bytes.Equal(b.Materialize(), []byte{1, 2}) {
		t.Fatalf("Marshal(*Frame) = % x, %v", b, err)
	}
}

func BenchmarkEncode(b *testing.B) {
	msg := wrapperspb.String(strings.Repeat("v", 64))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Encode(12345, "gorumsexample.QCStorage.Read", nil, nil, msg); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCodecUnmarshalReportsMalformedInMessage(t *testing.T) {
	var m Message
	if err := (Codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer([]byte{5, 0x08})}, &m); err != nil {
		t.Fatalf("Unmarshal = %v; a malformed message must be reported in DecodeErr, not to gRPC", err)
	}
	if !errors.Is(m.DecodeErr, ErrMalformed) {
		t.Fatalf("DecodeErr = %v, want ErrMalformed", m.DecodeErr)
	}
	b, _ := Encode(3, "a.B.C", nil, nil, nil)
	if err := (Codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, &m); err != nil || m.DecodeErr != nil || m.MessageID != 3 {
		t.Fatalf("a good message after a bad one: %+v, %v", m, err)
	}
}

func TestDecodeMethodOf(t *testing.T) {
	const known = "pkg.Svc.M"
	b, err := Encode(3, known, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	m := Message{MethodOf: func(name []byte) string {
		seen = append(seen, string(name))
		return known
	}}
	for range 2 { // Decode keeps MethodOf from one message to the next
		if err := m.Decode(b); err != nil {
			t.Fatal(err)
		}
		if m.Method != known || m.MessageID != 3 {
			t.Fatalf("decoded %+v", m)
		}
	}
	if len(seen) != 2 || seen[0] != known {
		t.Fatalf("MethodOf saw %q", seen)
	}
}

func TestNewFrameSharesItsBuffers(t *testing.T) {
	b := []byte{2, 0x08, 1, 0}
	f := NewFrame(b)
	first, err := Codec{}.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := Codec{}.Marshal(f)
	if &first[0] != &second[0] || !bytes.Equal(first.Materialize(), b) {
		t.Fatal("a Frame from NewFrame should hand every stream the same buffers")
	}
	f.Bytes = []byte{2, 0x08, 2, 0} // replaced: the old buffers must not be sent
	third, _ := Codec{}.Marshal(f)
	if !bytes.Equal(third.Materialize(), f.Bytes) {
		t.Fatalf("Marshal after Bytes changed = % x", third.Materialize())
	}
}
