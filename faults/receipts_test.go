package faults

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	ts "github.com/quorumcall/gorums/internal/testservice"
	"github.com/quorumcall/gorums/internal/wire"
)

// sendEnvelope sends one single-envelope NodeStream message.
func sendEnvelope(t *testing.T, st grpc.ClientStream, id uint64, method string, req *ts.Request) {
	t.Helper()
	var frame []byte
	var err error
	if req != nil {
		frame, err = wire.Encode(id, method, nil, nil, req)
	} else {
		frame, err = wire.Encode(id, method, nil, nil, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SendMsg(&wire.Frame{Bytes: frame}); err != nil {
		t.Fatal(err)
	}
}

// A client that announced read receipts gets them confirmed in the header, with or without
// batching, and a receipt request is answered in the stream's order: after the replies to the
// requests before it, echoing its message ID and method, with no status and no payload.
func TestServerAnswersReceipts(t *testing.T) {
	for _, batching := range []bool{false, true} {
		b := startBufServer(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		md := metadata.Pairs(wire.ReceiptKey, wire.ReceiptVersion)
		if batching {
			md.Set(wire.BatchKey, wire.BatchVersion)
		}
		st, err := b.newStream(metadata.NewOutgoingContext(ctx, md))
		if err != nil {
			t.Fatal(err)
		}
		header, err := st.Header()
		if err != nil || !wire.AnnouncedReceipts(header) || (len(header.Get(wire.BatchKey)) > 0) != batching {
			t.Fatalf("batching %v: header %v (%v), want receipts confirmed", batching, header, err)
		}
		const receiptID = wire.ReceiptIDBit | 7
		for seq := uint64(1); seq <= 3; seq++ {
			sendEnvelope(t, st, seq, orderedMethod, &ts.Request{Seq: seq})
		}
		sendEnvelope(t, st, receiptID, wire.ReceiptMethod, nil)
		for want := uint64(1); want <= 4; want++ {
			var m wire.Message
			m.AcceptBatches = batching
			if err := st.RecvMsg(&m); err != nil {
				t.Fatalf("batching %v: reply %d: %v", batching, want, err)
			}
			if want <= 3 {
				if m.MessageID != want || m.Method != orderedMethod || m.Status != nil {
					t.Fatalf("batching %v: reply %d: id %d method %q status %v", batching, want, m.MessageID, m.Method, m.Status)
				}
				continue
			}
			if m.MessageID != receiptID || m.Method != wire.ReceiptMethod || m.Status != nil || len(m.Payload) != 0 {
				t.Fatalf("batching %v: receipt: id %x method %q status %v payload %d bytes", batching, m.MessageID, m.Method, m.Status, len(m.Payload))
			}
		}
	}
}

// A client that did not announce read receipts gets no confirmation, and the server treats
// a receipt request like any method it does not serve: Unimplemented, the stream lives on.
func TestReceiptRequestWithoutAnnouncement(t *testing.T) {
	b := startBufServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := b.newStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sendEnvelope(t, st, wire.ReceiptIDBit|1, wire.ReceiptMethod, nil)
	sendEnvelope(t, st, 2, orderedMethod, &ts.Request{Seq: 2})
	header, err := st.Header()
	if err != nil || wire.AnnouncedReceipts(header) {
		t.Fatalf("header %v (%v): receipts confirmed to a client that did not announce them", header, err)
	}
	var m wire.Message
	if err := st.RecvMsg(&m); err != nil {
		t.Fatal(err)
	}
	if m.MessageID != wire.ReceiptIDBit|1 || m.Status == nil || codes.Code(m.Status.GetCode()) != codes.Unimplemented {
		t.Fatalf("receipt request: reply id %x status %v, want Unimplemented", m.MessageID, m.Status)
	}
	if err := st.RecvMsg(&m); err != nil || m.MessageID != 2 || m.Status != nil {
		t.Fatalf("the request after it: id %d status %v (%v)", m.MessageID, m.Status, err)
	}
}
