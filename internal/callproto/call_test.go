package callproto

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
)

// TestSharedFrameGoesAloneAsACopy: a small request encoded into the call handle's storage is
// never what gRPC gets (the storage is reused with the handle, and gRPC may read a message
// after SendMsg returns): nodes that send it alone get one copy, made once, with the same
// bytes; other frames go as they are. Once the handle is reused, the copy is untouched.
func TestSharedFrameGoesAloneAsACopy(t *testing.T) {
	var ids MsgIDs
	c := AcquireCall(context.Background(), &ids, Unary, 3, time.Now())
	small, buf := c.SharedFrame()
	f, err := wire.EncodeSmallInto(small, buf, c.MsgID(), "/svc/M", nil, nil, wrapperspb.String("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if f != small {
		t.Fatalf("a small request went to a frame of its own")
	}
	want := bytes.Clone(f.Bytes)

	copies := make([]*wire.Frame, 3)
	var wg sync.WaitGroup
	for i := range copies {
		wg.Go(func() { copies[i] = c.frameAlone(f) }) // nodes send concurrently
	}
	wg.Wait()
	for i, cp := range copies {
		if cp == f {
			t.Fatalf("node %d: the call's own frame would go to gRPC", i)
		}
		if cp != copies[0] {
			t.Fatalf("node %d got another copy: one per call is enough", i)
		}
		if !bytes.Equal(cp.Bytes, want) {
			t.Fatalf("node %d: the copy's bytes differ from the request's", i)
		}
	}
	other := wire.NewFrame([]byte("elsewhere"))
	if got := c.frameAlone(other); got != other {
		t.Fatalf("a frame that is not the call's own was copied")
	}

	// The handle is reused: its storage gets another request; the copy keeps the first.
	c.Finish(true)
	c.Release()
	c2 := AcquireCall(context.Background(), &ids, Unary, 3, time.Now())
	t.Cleanup(func() { c2.Finish(true); c2.Release() })
	small2, buf2 := c2.SharedFrame()
	if _, err := wire.EncodeSmallInto(small2, buf2, c2.MsgID(), "/svc/M", nil, nil, wrapperspb.String("other")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(copies[0].Bytes, want) {
		t.Fatal("the copy given to gRPC changed when the call's storage was reused")
	}

	// A request too large for the handle's storage gets a frame of its own.
	large, err := wire.EncodeSmallInto(small2, buf2, c2.MsgID(), "/svc/M", nil, nil, wrapperspb.String(string(make([]byte, SmallFrame))))
	if err != nil {
		t.Fatal(err)
	}
	if large == small2 {
		t.Fatal("a request larger than the handle's storage went into it")
	}
}
