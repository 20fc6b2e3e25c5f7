package wire

import (
	"bytes"
	"errors"
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"google.golang.org/grpc/metadata"
)

func envelopes(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	for i, v := range []string{"a", "", "ccc"} {
		b, err := Encode(uint64(i+1), "p.S.M", nil, nil, wrapperspb.String(v))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	withStatus, _ := Encode(9, "p.S.N", &spb.Status{Code: 3, Message: "bad"}, []Entry{{"k", "v"}}, nil)
	return append(out, withStatus)
}

// decodeAll decodes a received gRPC message with every envelope it carries.
func decodeAll(b []byte, acceptBatches bool) ([]Message, error) {
	m := Message{AcceptBatches: acceptBatches}
	m.decodeReceived(b)
	var out []Message
	for {
		if m.DecodeErr != nil {
			return out, m.DecodeErr
		}
		out = append(out, m)
		if !m.Next() {
			return out, nil
		}
	}
}

func TestBatchRoundTrip(t *testing.T) {
	envs := envelopes(t)
	b := AppendBatch(nil, envs...)
	if !IsBatch(b) || len(b) != BatchSize(len(envs[0]), len(envs[1]), len(envs[2]), len(envs[3])) {
		t.Fatalf("batch of %d bytes, marker %v", len(b), IsBatch(b))
	}
	size := 0
	for _, e := range envs {
		size = BatchAdd(size, len(e))
	}
	if size != len(b) {
		t.Fatalf("BatchAdd sums to %d, batch is %d", size, len(b))
	}
	got, err := decodeAll(b, true)
	if err != nil || len(got) != len(envs) {
		t.Fatalf("decoded %d envelopes, %v", len(got), err)
	}
	for i, m := range got {
		var want Message
		if err := want.Decode(envs[i]); err != nil {
			t.Fatal(err)
		}
		if !m.Batched {
			t.Fatalf("envelope %d of a batch is not marked Batched", i)
		}
		if m.MessageID != want.MessageID || m.Method != want.Method || !bytes.Equal(m.Payload, want.Payload) ||
			(m.Status == nil) != (want.Status == nil) || len(m.Entries) != len(want.Entries) {
			t.Fatalf("envelope %d: %+v, want %+v", i, m, want)
		}
	}
	// A single envelope is taken as one whether or not batches are accepted.
	for _, accept := range []bool{true, false} {
		got, err := decodeAll(envs[0], accept)
		if err != nil || len(got) != 1 || got[0].MessageID != 1 || got[0].Batched {
			t.Fatalf("single envelope (accept %v): %d, %v", accept, len(got), err)
		}
	}
	// A batch of one is a batch: its sender had other calls in flight.
	got, err = decodeAll(AppendBatch(nil, envs[0]), true)
	if err != nil || len(got) != 1 || got[0].MessageID != 1 || !got[0].Batched {
		t.Fatalf("batch of one: %+v, %v", got, err)
	}
}

func TestBatchMalformed(t *testing.T) {
	envs := envelopes(t)
	good := AppendBatch(nil, envs...)
	for name, b := range map[string][]byte{
		"marker only":            {batchMarker},
		"truncated length":       {batchMarker, 0xff},
		"envelope cut short":     good[:len(good)-2],
		"malformed envelope":     AppendBatch(nil, []byte{5, 1}),
		"batch where not agreed": good,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeAll(b, name != "batch where not agreed")
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v, want ErrMalformed", err)
			}
		})
	}
}

// FuzzDecodeBatch feeds arbitrary gRPC messages to the batch-accepting decoder: it must not
// panic, and whatever decodes, encoded again as a batch, decodes to the same envelopes.
func FuzzDecodeBatch(f *testing.F) {
	envs := envelopes(f)
	f.Add(AppendBatch(nil, envs...))
	f.Add(AppendBatch(nil, envs[0]))
	f.Add(envs[3])
	f.Add([]byte{batchMarker})
	f.Add([]byte{batchMarker, 2, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeAll(b, true)
		if err != nil || len(got) < 2 {
			return
		}
		var again [][]byte
		for i := range got {
			e, err := AppendMessage(nil, &got[i])
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			again = append(again, e)
		}
		back, err := decodeAll(AppendBatch(nil, again...), true)
		if err != nil || len(back) != len(got) {
			t.Fatalf("re-decoded %d envelopes, %v; want %d", len(back), err, len(got))
		}
		for i := range got {
			if back[i].MessageID != got[i].MessageID || back[i].Method != got[i].Method || !bytes.Equal(back[i].Payload, got[i].Payload) {
				t.Fatalf("envelope %d changed: %+v -> %+v", i, got[i], back[i])
			}
		}
	})
}

func TestBatchLimit(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   int
	}{
		{nil, 0},
		{[]string{"2048"}, 2048},
		{[]string{"2048", "99"}, 2048},
		{[]string{"0"}, 0},
		{[]string{"-5"}, 0},
		{[]string{"4 MiB"}, 0},
		{[]string{"99999999999999999999"}, 0},
	} {
		md := metadata.MD{}
		if tc.values != nil {
			md[BatchLimitKey] = tc.values
		}
		if got := ParseBatchLimit(md); got != tc.want {
			t.Errorf("ParseBatchLimit(%q) = %d, want %d", tc.values, got, tc.want)
		}
	}
	if got := ParseBatchLimit(metadata.Pairs(BatchLimitKey, FormatBatchLimit(12345))); got != 12345 {
		t.Errorf("a formatted limit parses as %d", got)
	}
	for _, tc := range []struct{ a, b, want int }{
		{0, 0, 0}, {0, 7, 7}, {7, 0, 7}, {5, 7, 5}, {7, 5, 5}, {-1, 7, 7}, {-1, -1, 0},
	} {
		if got := MinLimit(tc.a, tc.b); got != tc.want {
			t.Errorf("MinLimit(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := BatchBytesWithin(0); got != BatchMaxBytes {
		t.Errorf("BatchBytesWithin(no limit) = %d, want %d", got, BatchMaxBytes)
	}
	if got := BatchBytesWithin(1000); got != 1000 {
		t.Errorf("BatchBytesWithin(1000) = %d", got)
	}
}
