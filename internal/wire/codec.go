package wire

import (
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// CodecName is the gRPC content subtype of the NodeStream: content-type application/grpc+gorums.
const CodecName = "gorums"

// Frame is a message that is already framed (see Encode). Sending a *Frame costs no encoding,
// which is how one quorum call encodes its request once for all its nodes. A Frame made by
// NewFrame also carries the buffer list gRPC writes from, made once however many streams it is
// sent on. Its bytes must not change once it has been sent.
type Frame struct {
	Bytes   []byte
	buffers mem.BufferSlice // Bytes as gRPC takes them; built by NewFrame, else per send
}

// NewFrame returns a Frame of b, ready to be sent on many streams.
func NewFrame(b []byte) *Frame {
	return &Frame{Bytes: b, buffers: mem.BufferSlice{mem.SliceBuffer(b)}}
}

// sameBytes reports whether a and b are the same slice (not merely equal contents), so a
// Frame whose Bytes were replaced after NewFrame is not sent with its old buffers.
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
// plain slices, which gRPC's Free leaves alone, so one Frame may go to many streams at once.
func (Codec) Marshal(v any) (mem.BufferSlice, error) {
	switch m := v.(type) {
	case *Frame:
		if m.buffers != nil && sameBytes(m.buffers[0].ReadOnlyData(), m.Bytes) {
			return m.buffers, nil
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

// Unmarshal decodes a framed message into a *Message, which keeps its own copy of the bytes
// (gRPC reuses its buffers once Unmarshal returns). A malformed message is not an error here:
// it is reported in the Message's DecodeErr, so that the receive loop, not gRPC, decides what
// status the peer sees. gRPC would otherwise end the stream with its own Internal status.
func (Codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*Message)
	if !ok {
		return fmt.Errorf("wire: cannot unmarshal into %T", v)
	}
	_ = m.Decode(data.Materialize())
	return nil
}
