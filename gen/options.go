package gen

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Field numbers of the method options declared in gorums.proto at the module root.
// They are read from the wire form of the options, so this package does not need the
// generated extension types (which live in the runtime package and would link gRPC into
// the plugin).
const (
	fieldRPC              protowire.Number = 50001
	fieldUnicast          protowire.Number = 50002
	fieldMulticast        protowire.Number = 50003
	fieldQuorumCall       protowire.Number = 50004
	fieldCorrectable      protowire.Number = 50005
	fieldAsync            protowire.Number = 50010
	fieldPerNodeArg       protowire.Number = 50020
	fieldCustomReturnType protowire.Number = 50030
)

// methodOptions are the Gorums options set on one method.
type methodOptions struct {
	rpc              bool
	unicast          bool
	multicast        bool
	quorumcall       bool
	correctable      bool
	async            bool
	perNodeArg       bool
	customReturnType string
}

// readMethodOptions extracts the Gorums options from a method's options message.
//
// Marshalling and scanning the bytes works the same whether the extensions are registered
// in this binary, carried as unknown fields (the usual case in the plugin, which does not
// link gorums.pb.go), or set as dynamic extensions (as an in-process compiler does).
func readMethodOptions(opts protoreflect.ProtoMessage) (methodOptions, error) {
	var mo methodOptions
	if opts == nil {
		return mo, nil
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	if err != nil {
		return mo, fmt.Errorf("cannot marshal method options: %w", err)
	}
	return parseMethodOptions(b)
}

// parseMethodOptions scans the wire form of a MethodOptions message. Fields other than
// Gorums' are skipped; as for any scalar field, the last occurrence of a field wins.
func parseMethodOptions(b []byte) (methodOptions, error) {
	var mo methodOptions
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return mo, fmt.Errorf("malformed method options: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if dst := mo.boolField(num); dst != nil {
			if typ != protowire.VarintType {
				return mo, fmt.Errorf("method option %d has wire type %d, want varint (bool)", num, typ)
			}
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return mo, fmt.Errorf("malformed method option %d: %w", num, protowire.ParseError(n))
			}
			*dst = v != 0
			b = b[n:]
			continue
		}
		if num == fieldCustomReturnType {
			if typ != protowire.BytesType {
				return mo, fmt.Errorf("method option %d has wire type %d, want bytes (string)", num, typ)
			}
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return mo, fmt.Errorf("malformed method option %d: %w", num, protowire.ParseError(n))
			}
			mo.customReturnType = string(v)
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return mo, fmt.Errorf("malformed method options: %w", protowire.ParseError(n))
		}
		b = b[n:]
	}
	return mo, nil
}

// boolField returns where the bool option with field number num is stored, or nil if num
// is not one of Gorums' bool options.
func (mo *methodOptions) boolField(num protowire.Number) *bool {
	switch num {
	case fieldRPC:
		return &mo.rpc
	case fieldUnicast:
		return &mo.unicast
	case fieldMulticast:
		return &mo.multicast
	case fieldQuorumCall:
		return &mo.quorumcall
	case fieldCorrectable:
		return &mo.correctable
	case fieldAsync:
		return &mo.async
	case fieldPerNodeArg:
		return &mo.perNodeArg
	}
	return nil
}
