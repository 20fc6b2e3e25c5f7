package wire

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestFrameEncode checks where Encode puts a frame, by its size: in the small buffer it is
// given, in a new buffer, or in a pooled one; and that each decodes to what was encoded.
func TestFrameEncode(t *testing.T) {
	var smallFrame Frame
	small := make([]byte, 0, 256)
	for _, tc := range []struct {
		name     string
		payload  int
		inSmall  bool
		wantPool bool
	}{
		{name: "fits the small buffer", payload: 100, inSmall: true},
		{name: "below the pooling size", payload: 600},
		{name: "pooled", payload: 5000, wantPool: true},
		{name: "pooled, larger class", payload: 100 << 10, wantPool: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := wrapperspb.Bytes(bytes.Repeat([]byte{'x'}, tc.payload))
			f, err := EncodeSmallInto(&smallFrame, small, 42, "pkg.Svc.M", nil, nil, msg)
			if err != nil {
				t.Fatal(err)
			}
			if got := f == &smallFrame; got != tc.inSmall {
				t.Errorf("the small frame used: %v, want %v", got, tc.inSmall)
			}
			if got := len(f.Bytes) > 0 && &f.Bytes[0] == &small[:1][0]; got != tc.inSmall {
				t.Errorf("frame in the small buffer: %v, want %v", got, tc.inSmall)
			}
			if got := f.pooled != nil; got != tc.wantPool {
				t.Errorf("pooled: %v, want %v", got, tc.wantPool)
			}
			if fp := FrameFootprint(len(f.Bytes)); tc.wantPool && fp != cap(f.Bytes) || !tc.wantPool && fp != len(f.Bytes) {
				t.Errorf("footprint %d of a frame of %d bytes in a buffer of %d", fp, len(f.Bytes), cap(f.Bytes))
			}
			var m Message
			if err := m.Decode(f.Bytes); err != nil {
				t.Fatal(err)
			}
			var got wrapperspb.BytesValue
			if m.MessageID != 42 || m.Method != "pkg.Svc.M" || proto.Unmarshal(m.Payload, &got) != nil || !bytes.Equal(got.Value, msg.Value) {
				t.Errorf("decoded id %d method %q, payload intact %v", m.MessageID, m.Method, bytes.Equal(got.Value, msg.Value))
			}
			f.Done()
		})
	}
}

// TestEncodedFrameSharedBySenders sends one pooled frame from many goroutines at once, as the
// nodes of a quorum call do: each send takes a reference of its own (Marshal), which gRPC
// frees once written. The buffer goes back to the pool once, after every send and Done.
func TestEncodedFrameSharedBySenders(t *testing.T) {
	var puts atomic.Int64
	hook := func() { puts.Add(1) }
	putHook.Store(&hook)
	t.Cleanup(func() { putHook.Store(nil) })

	var f Frame
	msg := wrapperspb.Bytes(bytes.Repeat([]byte{'y'}, 3000))
	if err := f.Encode(7, "pkg.Svc.M", nil, nil, msg); err != nil {
		t.Fatal(err)
	}
	want := bytes.Clone(f.Bytes)
	const senders = 8
	var wg sync.WaitGroup
	sent := make(chan func(), senders)
	for range senders {
		wg.Go(func() {
			bs, err := Codec{}.Marshal(&f)
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(bs.Materialize(), want) {
				t.Error("a sender's buffers differ from the frame")
			}
			sent <- bs.Free // as gRPC does once it has written them
		})
	}
	wg.Wait()
	close(sent)
	f.Done()
	if puts.Load() != 0 {
		t.Fatalf("the buffer went back to the pool while %d sends held it", senders)
	}
	for free := range sent {
		free()
	}
	if puts.Load() != 1 {
		t.Errorf("the buffer went back to the pool %d times after every send and Done, want once", puts.Load())
	}
}
