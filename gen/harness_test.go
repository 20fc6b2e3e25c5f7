package gen

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the generator's output")

// moduleRoot is where gorums.proto, the source of truth for the method options, lives.
const moduleRoot = ".."

// compileRequest compiles the files to generate in-process, as protoc would, and returns
// the request protoc would send a plugin with the given parameter. Imports are looked up
// in sources first, then in testdata/, the module root (gorums.proto) and the well-known
// types.
func compileRequest(t *testing.T, sources map[string]string, param string, toGenerate ...string) *pluginpb.CodeGeneratorRequest {
	t.Helper()
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(protocompile.CompositeResolver{
			&protocompile.SourceResolver{Accessor: protocompile.SourceAccessorFromMap(sources)},
			&protocompile.SourceResolver{ImportPaths: []string{"testdata", moduleRoot}},
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	files, err := c.Compile(context.Background(), toGenerate...)
	if err != nil {
		t.Fatalf("compile %v: %v", toGenerate, err)
	}
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: toGenerate}
	if param != "" {
		req.Parameter = proto.String(param)
	}
	seen := make(map[string]bool)
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) { // dependencies first, as protoc orders them
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := range imports.Len() {
			add(imports.Get(i).FileDescriptor)
		}
		req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(fd))
	}
	for _, f := range files {
		add(f)
	}
	// Send the request through its wire form, as protoc does: the plugin then sees the
	// Gorums options as unknown fields, exactly as in production.
	b, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	wire := &pluginpb.CodeGeneratorRequest{}
	if err := proto.Unmarshal(b, wire); err != nil {
		t.Fatal(err)
	}
	return wire
}

// run runs the generator on req as the plugin's main does and returns protoc's view of it.
func run(t *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	plugin, err := protogen.Options{ParamFunc: Param}.New(req)
	if err != nil {
		t.Fatalf("protogen: %v", err)
	}
	if err := Generate(plugin); err != nil {
		plugin.Error(err)
	}
	return plugin.Response()
}

// generate runs the generator and fails the test on a refusal; it returns the generated
// files by name.
func generate(t *testing.T, sources map[string]string, param string, toGenerate ...string) map[string]string {
	t.Helper()
	resp := run(t, compileRequest(t, sources, param, toGenerate...))
	if resp.Error != nil {
		t.Fatalf("generator refused %v: %s", toGenerate, resp.GetError())
	}
	out := make(map[string]string)
	for _, f := range resp.File {
		out[f.GetName()] = f.GetContent()
	}
	return out
}

// refusal runs the generator on sources and returns its error, failing if there is none.
func refusal(t *testing.T, sources map[string]string, toGenerate ...string) string {
	t.Helper()
	resp := run(t, compileRequest(t, sources, "paths=source_relative", toGenerate...))
	if resp.Error == nil {
		t.Fatalf("generator accepted %v; want a refusal", toGenerate)
	}
	if len(resp.File) != 0 {
		t.Errorf("refused generation still wrote %d files", len(resp.File))
	}
	return resp.GetError()
}

// checkFeatures asserts that the response advertises proto3 optional and editions support
// up to 2023, so protoc accepts the plugin for those files.
func checkFeatures(t *testing.T, resp *pluginpb.CodeGeneratorResponse) {
	t.Helper()
	want := uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL | pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	if resp.GetSupportedFeatures() != want {
		t.Errorf("supported features = %b, want %b", resp.GetSupportedFeatures(), want)
	}
	if resp.GetMaximumEdition() != int32(descriptorpb.Edition_EDITION_2023) {
		t.Errorf("maximum edition = %d, want %d", resp.GetMaximumEdition(), descriptorpb.Edition_EDITION_2023)
	}
}

// readFile reads a file of the test's tree.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// protoFiles lists testdata/*.proto.
func protoFiles(t *testing.T) []string {
	t.Helper()
	matches, err := filepath.Glob("testdata/*.proto")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range matches {
		names = append(names, filepath.Base(m))
	}
	return names
}

// trimProto returns name without its .proto suffix.
func trimProto(name string) string { return strings.TrimSuffix(name, ".proto") }
