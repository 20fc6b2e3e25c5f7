package wire

import (
	"fmt"

	"google.golang.org/grpc/encoding"
)

// CodecName is the gRPC content subtype of the NodeStream: content-type application/grpc+gorums.
const CodecName = "gorums"

// Frame is a message that is already framed (see Encode). Sending a *Frame costs no encoding,
// which is how one quorum call encodes its request once for all its nodes.
type Frame struct {
	Bytes []byte
}

// Codec is the `gorums` gRPC codec. It marshals a *Frame as is and a *Message by framing it,
// and unmarshals into a *Message.
type Codec struct{}

func init() { encoding.RegisterCodec(Codec{}) }

// Name returns CodecName.
func (Codec) Name() string { return CodecName }

// Marshal returns the bytes of a *Frame or the framed encoding of a *Message.
func (Codec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case *Frame:
		return m.Bytes, nil
	case *Message:
		return AppendMessage(nil, m)
	default:
		return nil, fmt.Errorf("wire: cannot marshal %T", v)
	}
}

// Unmarshal decodes a framed message into a *Message. The Message keeps a reference to data,
// which gRPC hands over for good.
//
// A message that does not decode is not an error here but is reported in m.DecodeErr, which
// every receive loop must check: gRPC turns a codec error into an Internal status and, on a
// server, ends the stream with it before the handler can give the InvalidArgument status the
// protocol asks for.
func (Codec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*Message)
	if !ok {
		return fmt.Errorf("wire: cannot unmarshal into %T", v)
	}
	_ = m.Decode(data)
	return nil
}
