package configuration

import (
	"context"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums/internal/wire"
)

// encodeRequest frames a request into f. Metadata attached to ctx with
// metadata.NewOutgoingContext or AppendToOutgoingContext travels in the envelope's entries.
func encodeRequest(ctx context.Context, f *wire.Frame, msgID uint64, method string, in proto.Message) error {
	return f.Encode(msgID, method, nil, outgoingEntries(ctx), in)
}

func outgoingEntries(ctx context.Context) []wire.Entry {
	md, ok := metadata.FromOutgoingContext(ctx)
	if !ok || len(md) == 0 {
		return nil
	}
	entries := make([]wire.Entry, 0, len(md))
	for k, vs := range md {
		for _, v := range vs {
			entries = append(entries, wire.Entry{Key: k, Value: v})
		}
	}
	return entries
}

// newMessage returns a new, empty message of type M (a generated message pointer type).
func newMessage[M proto.Message]() M {
	var zero M
	return zero.ProtoReflect().Type().New().Interface().(M)
}
