package wire

import "google.golang.org/grpc/metadata"

// Read receipts: an extension of the NodeStream protocol between peers that both announce it,
// which tells a client how far the server has read its stream when no replies say so.
//
// A client announces ReceiptKey: ReceiptVersion in its stream metadata; a server that supports
// it confirms with the same pair in its response header, which it sends at once. Then the
// client may send a receipt request: an envelope with the method ReceiptMethod, a message ID
// with ReceiptIDBit set and no payload. The server answers it in the stream's order, with an
// envelope that echoes the message ID and method and has no status and no payload, and shows
// it to no handler and no interceptor. As the server's receive loop reads a stream's requests
// one after another, the answer shows that it has read everything sent before the request.
//
// A client needs that to send from a goroutine that must not wait for the network (a caller
// that sends its own requests): gRPC's SendMsg waits once the stream's flow-control window is
// used up, and a reply to a request shows that the server read what came before it. One-way
// messages get no reply, so without receipts a stream that carries only those has to be
// written by a goroutine that may wait, at the cost of a hand-over per message.
//
// ReceiptMethod cannot name a method: a protobuf full name has no '/'. A peer that does not
// announce or confirm (Gorums v0.7 to v0.11, any raw client or server) never sees a receipt
// request; Gorums v0.7's codec would end the stream on a method it cannot look up.
const (
	ReceiptKey     = "gorums-receipts"
	ReceiptVersion = "1"
	ReceiptMethod  = "gorums/receipt"
)

// ReceiptIDBit is set in the message ID of every receipt request, and in no call's: the call
// IDs of a manager count up from 1, and a client tells a receipt's answer by the bit alone.
const ReceiptIDBit = uint64(1) << 63

// AnnouncedReceipts reports whether md (a stream's metadata or a server's response header)
// carries the read-receipt pair.
func AnnouncedReceipts(md metadata.MD) bool {
	v := md.Get(ReceiptKey)
	return len(v) > 0 && v[0] == ReceiptVersion
}

// EncodeReceiptRequest is the frame of a receipt request with message ID id.
func EncodeReceiptRequest(id uint64) *Frame {
	b, err := Encode(id|ReceiptIDBit, ReceiptMethod, nil, nil, nil)
	if err != nil {
		panic("wire: a receipt request does not encode: " + err.Error()) // it has no payload to fail
	}
	return NewFrame(b)
}
