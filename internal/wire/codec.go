package wire

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// CodecName is the gRPC content subtype of the NodeStream: content-type application/grpc+gorums.
const CodecName = "gorums"

// Frame is a message that is already framed (see Encode). Sending a *Frame costs no encoding,
// which is how one quorum call encodes its request once for all its nodes. A Frame set up by
// Init (or NewFrame) also carries the buffer list gRPC writes from, inside the Frame itself, so
// that sending it, on one stream or many, allocates nothing. Such a Frame must not be changed,
// reused or copied once it has been sent: gRPC may still be writing from it after SendMsg
// returns.
type Frame struct {
	Bytes []byte
	sb    mem.SliceBuffer // Bytes as gRPC takes them (set by Init)
	bufs  [1]mem.Buffer   // bufs[0] = &sb: a BufferSlice of one buffer, no allocation
	// A pooled frame (NewPooledFrame, or Encode of a large one): its bytes' pool buffer, and
	// the counted buffer gRPC is given (made by Encode, or when a frame from NewPooledFrame
	// is first marshaled, once Bytes are final), until Done.
	pool   *[]byte
	pooled mem.Buffer
}

// Init makes f a frame of b, ready to be sent on many streams.
func (f *Frame) Init(b []byte) {
	f.Bytes, f.sb = b, b
	f.bufs[0] = &f.sb
}

// NewFrame returns a Frame of b, ready to be sent on many streams.
func NewFrame(b []byte) *Frame {
	f := new(Frame)
	f.Init(b)
	return f
}

// sameBytes reports whether a and b are the same slice (not merely equal contents), so a
// Frame whose Bytes were replaced after Init is not sent with its old buffers.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Codec is the `gorums` gRPC codec. It marshals a *Frame as is and a *Message by framing it,
// and unmarshals into a *Message.
type Codec struct{}

func init() { encoding.RegisterCodecV2(Codec{}) }

// Name returns CodecName.
func (Codec) Name() string { return CodecName }

// Marshal returns the bytes of a *Frame or the framed encoding of a *Message. The buffers are
// plain slices, which gRPC's Free leaves alone, so one Frame may go to many streams at once;
// a pooled frame's (NewPooledFrame) is a counted buffer, which goes back to the pool once gRPC
// and the sender (Done) have let go of it.
func (Codec) Marshal(v any) (mem.BufferSlice, error) {
	switch m := v.(type) {
	case *Frame:
		if m.pool != nil && m.pooled == nil && len(m.Bytes) > 0 && &(*m.pool)[:1][0] == &m.Bytes[0] {
			// A frame from NewPooledFrame, sent on one stream: its counted buffer is made
			// now that its bytes are final. (Encode makes it at once, for frames that many
			// streams send, so that those sends only read the frame.)
			*m.pool = m.Bytes
			m.pooled = mem.NewBuffer(m.pool, &buffers)
			m.bufs[0] = m.pooled
		}
		if m.pooled != nil {
			// gRPC frees what Marshal returns once it has written it: a reference of its own.
			m.pooled.Ref()
			return m.bufs[:], nil
		}
		if m.bufs[0] != nil && sameBytes(m.sb, m.Bytes) {
			return m.bufs[:], nil
		}
		return mem.BufferSlice{mem.SliceBuffer(m.Bytes)}, nil
	case *Message:
		b, err := AppendMessage(nil, m)
		if err != nil {
			return nil, err
		}
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	default:
		return nil, fmt.Errorf("wire: cannot marshal %T", v)
	}
}

// Unmarshal decodes a framed message into a *Message (a batch, if the Message accepts batches,
// into its first envelope; see Message.Next). The Message's Payload aliases gRPC's
// buffer, taken from its pool without a copy in the usual case of a message in one buffer, and
// valid until the receiver calls Message.Release (or the next Unmarshal into the Message). A
// malformed message is not an error here: it is reported in the Message's DecodeErr, so that
// the receive loop, not gRPC, decides what status the peer sees. gRPC would otherwise end the
// stream with its own Internal status.
func (Codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*Message)
	if !ok {
		return fmt.Errorf("wire: cannot unmarshal into %T", v)
	}
	m.Drop() // with a batch's envelopes not taken with Next
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	m.decodeReceived(buf.ReadOnlyData())
	m.held = buf
	return nil
}
