package gen

import (
	"context"
	"testing"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// wireBool and wireString append one option in its wire form.
func wireBool(num protowire.Number, v uint64) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendVarint(protowire.AppendTag(b, num, protowire.VarintType), v)
	}
}

func wireString(num protowire.Number, s string) func([]byte) []byte {
	return func(b []byte) []byte {
		return protowire.AppendString(protowire.AppendTag(b, num, protowire.BytesType), s)
	}
}

func TestParseMethodOptions(t *testing.T) {
	tests := []struct {
		name    string
		fields  []func([]byte) []byte
		want    methodOptions
		wantErr bool
	}{
		{name: "none"},
		{name: "rpc", fields: []func([]byte) []byte{wireBool(50001, 1)}, want: methodOptions{rpc: true}},
		{name: "unicast", fields: []func([]byte) []byte{wireBool(50002, 1)}, want: methodOptions{unicast: true}},
		{name: "multicast", fields: []func([]byte) []byte{wireBool(50003, 1)}, want: methodOptions{multicast: true}},
		{name: "quorumcall", fields: []func([]byte) []byte{wireBool(50004, 1)}, want: methodOptions{quorumcall: true}},
		{name: "correctable", fields: []func([]byte) []byte{wireBool(50005, 1)}, want: methodOptions{correctable: true}},
		{name: "async", fields: []func([]byte) []byte{wireBool(50004, 1), wireBool(50010, 1)},
			want: methodOptions{quorumcall: true, async: true}},
		{name: "per_node_arg", fields: []func([]byte) []byte{wireBool(50020, 1)}, want: methodOptions{perNodeArg: true}},
		{name: "custom_return_type", fields: []func([]byte) []byte{wireString(50030, "MyResponse")},
			want: methodOptions{customReturnType: "MyResponse"}},
		{name: "false is unset", fields: []func([]byte) []byte{wireBool(50004, 0)}},
		{name: "last occurrence wins", fields: []func([]byte) []byte{wireBool(50004, 1), wireBool(50004, 0), wireString(50030, "A"), wireString(50030, "B")},
			want: methodOptions{customReturnType: "B"}},
		{name: "other options skipped", fields: []func([]byte) []byte{
			wireBool(33, 1),                   // deprecated
			wireBool(34, 2),                   // idempotency_level
			wireString(50006, "someone else"), // a neighbour's extension
			wireBool(50003, 1),
		}, want: methodOptions{multicast: true}},
		{name: "bool option as bytes", fields: []func([]byte) []byte{wireString(50004, "yes")}, wantErr: true},
		{name: "string option as varint", fields: []func([]byte) []byte{wireBool(50030, 1)}, wantErr: true},
		{name: "truncated", fields: []func([]byte) []byte{func(b []byte) []byte {
			return protowire.AppendTag(b, 50004, protowire.VarintType)
		}}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			for _, f := range tt.fields {
				b = f(b)
			}
			got, err := parseMethodOptions(b)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseMethodOptions() error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("parseMethodOptions() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestReadMethodOptionsForms reads the same options carried three ways: as unknown fields
// (the plugin), as dynamic extensions (an in-process compiler), and on a nil message.
func TestReadMethodOptionsForms(t *testing.T) {
	want := methodOptions{quorumcall: true, perNodeArg: true, customReturnType: "MyResponse"}

	unknown := &descriptorpb.MethodOptions{}
	var raw []byte
	for _, f := range []func([]byte) []byte{wireBool(50004, 1), wireBool(50020, 1), wireString(50030, "MyResponse")} {
		raw = f(raw)
	}
	unknown.ProtoReflect().SetUnknown(raw)

	dynamic := &descriptorpb.MethodOptions{Deprecated: proto.Bool(true)}
	exts := gorumsExtensions(t)
	proto.SetExtension(dynamic, exts["quorumcall"], true)
	proto.SetExtension(dynamic, exts["per_node_arg"], true)
	proto.SetExtension(dynamic, exts["custom_return_type"], "MyResponse")

	for name, opts := range map[string]protoreflect.ProtoMessage{"unknown fields": unknown, "dynamic extensions": dynamic} {
		got, err := readMethodOptions(opts)
		if err != nil || got != want {
			t.Errorf("%s: readMethodOptions() = %+v, %v; want %+v", name, got, err, want)
		}
	}
	for name, opts := range map[string]protoreflect.ProtoMessage{"nil interface": nil, "nil message": (*descriptorpb.MethodOptions)(nil)} {
		got, err := readMethodOptions(opts)
		if err != nil || got != (methodOptions{}) {
			t.Errorf("%s: readMethodOptions() = %+v, %v; want no options", name, got, err)
		}
	}
}

// gorumsExtensions compiles the module's gorums.proto and returns its extensions as dynamic
// types by name, with the field numbers the generator scans for.
func gorumsExtensions(t *testing.T) map[string]protoreflect.ExtensionType {
	t.Helper()
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{moduleRoot}})}
	files, err := c.Compile(context.Background(), "gorums.proto")
	if err != nil {
		t.Fatal(err)
	}
	wantNumbers := map[string]protowire.Number{
		"rpc": fieldRPC, "unicast": fieldUnicast, "multicast": fieldMulticast, "quorumcall": fieldQuorumCall,
		"correctable": fieldCorrectable, "async": fieldAsync, "per_node_arg": fieldPerNodeArg,
		"custom_return_type": fieldCustomReturnType,
	}
	exts := make(map[string]protoreflect.ExtensionType)
	xds := files[0].Extensions()
	for i := range xds.Len() {
		xd := xds.Get(i)
		name := string(xd.Name())
		if num, ok := wantNumbers[name]; !ok || num != xd.Number() {
			t.Errorf("gorums.proto declares %s = %d; the generator expects %v", name, xd.Number(), wantNumbers[name])
		}
		exts[name] = dynamicpb.NewExtensionType(xd)
	}
	if len(exts) != len(wantNumbers) {
		t.Errorf("gorums.proto declares %d method options, the generator knows %d", len(exts), len(wantNumbers))
	}
	return exts
}
