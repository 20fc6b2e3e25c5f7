// Package pipeline finds the generated code committed in the Gorums module and regenerates it
// in-process, the way the user guide's protoc command does:
//
//	cd <dir> && protoc -I=<module root>:. \
//		--go_out=paths=source_relative:. --gorums_out=paths=source_relative:. <name>.proto
//
// The .proto file is compiled with github.com/bufbuild/protocompile instead of protoc, and
// the request protoc would send goes through its wire form to protoc-gen-go's generator
// (internal_gengo) and to package gen, so no protoc or plugin binaries are needed.
//
// Both the test that checks the committed code is current (gen/current_test.go) and the
// command that rewrites it (go run ./gen/internal/regen) use this package, so they cannot
// disagree.
package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/quorumcall/gorums/gen"
	"google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// ModulePath is the path of the module whose generated code this package maintains.
const ModulePath = "github.com/quorumcall/gorums"

// RegenCommand is the command, run from the module root, that rewrites stale generated code.
const RegenCommand = "go run ./gen/internal/regen"

// gorumsSuffix marks the files discovery looks for.
const gorumsSuffix = "_gorums.pb.go"

// Target is a .proto file whose generated code is committed beside it.
type Target struct {
	Dir   string // directory relative to the module root, slash-separated ("." for the root)
	Proto string // base name of the .proto file, e.g. "storage.proto"
}

// String is the path of the .proto file relative to the module root.
func (t Target) String() string { return path.Join(t.Dir, t.Proto) }

// ProtocCommand is the protoc command that generates t's code, as the user guide runs it.
func (t Target) ProtocCommand() string {
	return fmt.Sprintf("cd %s && protoc -I=$(go list -m -f {{.Dir}} %s):. --go_out=paths=source_relative:. --gorums_out=paths=source_relative:. %s",
		t.Dir, ModulePath, t.Proto)
}

// File is a generated file: what the pipeline produces and what is committed.
type File struct {
	Path string // relative to the module root, slash-separated
	Want []byte // the pipeline's output
	Have []byte // the committed content; nil if there is no such file
}

// Current reports whether the committed file is the pipeline's output.
func (f File) Current() bool { return f.Have != nil && bytes.Equal(f.Want, f.Have) }

// FindModuleRoot returns the directory of the go.mod of ModulePath that contains dir.
func FindModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == ModulePath {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside module %s", dir, ModulePath)
		}
	}
}

// modulePath is the path in a go.mod file's module directive.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// Discover walks the module at root for committed <name>_gorums.pb.go files and returns the
// <name>.proto beside each, sorted. It skips directories the go command ignores (names starting
// with "." or "_"), vendor and gen/testdata (the generator's own test inputs). A
// _gorums.pb.go file without its .proto is an error; a .proto file without committed output
// is not a target.
func Discover(root string) ([]Target, error) {
	var targets []Target
	var errs []error
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "vendor" || rel == "gen/testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		base, ok := strings.CutSuffix(d.Name(), gorumsSuffix)
		if !ok || base == "" || !d.Type().IsRegular() {
			return nil
		}
		t := Target{Dir: path.Dir(rel), Proto: base + ".proto"}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(t.String()))); err != nil {
			errs = append(errs, fmt.Errorf("%s has no %s beside it to generate it from", rel, t.Proto))
			return nil
		}
		targets = append(targets, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(targets, func(a, b Target) int { return strings.Compare(a.String(), b.String()) })
	return targets, errors.Join(errs...)
}

// Generate compiles t and runs protoc-gen-go and the Gorums generator on it with
// paths=source_relative. It returns the two files the protoc command writes, <name>.pb.go
// and <name>_gorums.pb.go, with their committed content.
//
// protoc-gen-go records the versions of protoc and of itself in its header. Those lines say
// who last generated the committed file, not what the file should contain, so Generate keeps
// the committed file's version lines; every other byte is the pipeline's output.
func Generate(root string, t Target) ([]File, error) {
	req, err := request(root, t)
	if err != nil {
		return nil, err
	}
	goResp, err := runProtocGenGo(req)
	if err != nil {
		return nil, fmt.Errorf("%s: protoc-gen-go: %w", t, err)
	}
	gorumsResp, err := runGorums(req)
	if err != nil {
		return nil, fmt.Errorf("%s: protoc-gen-gorums: %w", t, err)
	}
	base := strings.TrimSuffix(t.Proto, ".proto")
	var files []File
	for _, want := range []struct {
		name string
		resp *pluginpb.CodeGeneratorResponse
	}{{base + ".pb.go", goResp}, {base + gorumsSuffix, gorumsResp}} {
		content, err := only(want.resp, want.name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t, err)
		}
		f := File{Path: path.Join(t.Dir, want.name), Want: []byte(content)}
		f.Have, err = os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			f.Have = nil
		} else if err != nil {
			return nil, err
		}
		if want.resp == goResp && f.Have != nil {
			f.Want = keepVersionLines(f.Want, f.Have)
		}
		files = append(files, f)
	}
	return files, nil
}

// only returns the content of the response's file called name, requiring it to be the only one.
func only(resp *pluginpb.CodeGeneratorResponse, name string) (string, error) {
	var names []string
	for _, f := range resp.File {
		names = append(names, f.GetName())
	}
	if len(resp.File) != 1 || names[0] != name {
		return "", fmt.Errorf("generated %q, want exactly %q", names, name)
	}
	return resp.File[0].GetContent(), nil
}

// request compiles t as protoc would with -I=<root>:<dir> and returns the request protoc
// would send a plugin with paths=source_relative.
func request(root string, t Target) (*pluginpb.CodeGeneratorRequest, error) {
	dir := filepath.Join(root, filepath.FromSlash(t.Dir))
	// protoc would refuse a file that an earlier import path shadows; so do we.
	if dir != root {
		if _, err := os.Stat(filepath.Join(root, t.Proto)); err == nil {
			return nil, fmt.Errorf("%s: the module root also has a %s, which shadows it on the import path", t, t.Proto)
		}
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			ImportPaths: []string{root, dir},
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
	}
	files, err := c.Compile(context.Background(), t.Proto)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", t, err)
	}
	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate: []string{t.Proto},
		Parameter:      proto.String("paths=source_relative"),
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
		req.ProtoFile = append(req.ProtoFile, fileProto(fd))
	}
	for _, f := range files {
		add(f)
	}
	// Send the request through its wire form, as protoc does: the plugins then see the
	// Gorums options as unknown fields, exactly as in production.
	b, err := proto.Marshal(req)
	if err != nil {
		return nil, err
	}
	wire := &pluginpb.CodeGeneratorRequest{}
	if err := proto.Unmarshal(b, wire); err != nil {
		return nil, err
	}
	return wire, nil
}

// fileProto is the descriptor protoc would send for fd. For compiled files that is
// protocompile's own FileDescriptorProto, which, like protoc's, fills in json_name; the raw
// descriptor protoc-gen-go embeds depends on it.
func fileProto(fd protoreflect.FileDescriptor) *descriptorpb.FileDescriptorProto {
	if r, ok := fd.(linker.Result); ok {
		return r.FileDescriptorProto()
	}
	return protodesc.ToFileDescriptorProto(fd)
}

// runProtocGenGo runs protoc-gen-go's generator on req, as its main does.
func runProtocGenGo(req *pluginpb.CodeGeneratorRequest) (*pluginpb.CodeGeneratorResponse, error) {
	plugin, err := protogen.Options{}.New(req)
	if err != nil {
		return nil, err
	}
	plugin.SupportedFeatures = internal_gengo.SupportedFeatures
	plugin.SupportedEditionsMinimum = internal_gengo.SupportedEditionsMinimum
	plugin.SupportedEditionsMaximum = internal_gengo.SupportedEditionsMaximum
	for _, f := range plugin.Files {
		if f.Generate {
			internal_gengo.GenerateFile(plugin, f)
		}
	}
	return response(plugin)
}

// runGorums runs the Gorums generator on req, as protoc-gen-gorums's main does.
func runGorums(req *pluginpb.CodeGeneratorRequest) (*pluginpb.CodeGeneratorResponse, error) {
	plugin, err := protogen.Options{}.New(req)
	if err != nil {
		return nil, err
	}
	if err := gen.Generate(plugin); err != nil {
		plugin.Error(err)
	}
	return response(plugin)
}

// response returns the plugin's response, or its error.
func response(plugin *protogen.Plugin) (*pluginpb.CodeGeneratorResponse, error) {
	resp := plugin.Response()
	if resp.Error != nil {
		return nil, errors.New(resp.GetError())
	}
	return resp, nil
}

// versionLinePrefixes start the lines of protoc-gen-go's header that record tool versions.
var versionLinePrefixes = []string{"// \tprotoc-gen-go ", "// \tprotoc        "}

// keepVersionLines returns generated with each version line of its header replaced by the
// line with the same prefix in committed's header, if that has one. The header is everything
// before the package clause.
func keepVersionLines(generated, committed []byte) []byte {
	have := make(map[string]string)
	for _, line := range headerLines(committed) {
		for _, p := range versionLinePrefixes {
			if strings.HasPrefix(line, p) {
				if _, dup := have[p]; !dup {
					have[p] = line
				}
			}
		}
	}
	lines := strings.SplitAfter(string(generated), "\n")
	n := len(headerLines(generated))
	done := make(map[string]bool)
	for i := range n {
		for _, p := range versionLinePrefixes {
			if line, ok := have[p]; ok && !done[p] && strings.HasPrefix(lines[i], p) {
				lines[i] = line + "\n"
				done[p] = true
			}
		}
	}
	return []byte(strings.Join(lines, ""))
}

// headerLines returns the lines, without their newlines, before the package clause.
func headerLines(src []byte) []string {
	var header []string
	for _, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "package ") {
			break
		}
		header = append(header, line)
	}
	return header
}

// Diff is a short description of how have differs from want: the differing lines, with
// their line numbers, between the common prefix and suffix, at most limit lines of each.
func Diff(have, want []byte, limit int) string {
	if have == nil {
		return "the file is missing"
	}
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	pre := 0
	for pre < len(h) && pre < len(w) && h[pre] == w[pre] {
		pre++
	}
	suf := 0
	for suf < len(h)-pre && suf < len(w)-pre && h[len(h)-1-suf] == w[len(w)-1-suf] {
		suf++
	}
	if pre == len(h) && pre == len(w) {
		return "no difference"
	}
	var b strings.Builder
	side := func(sign string, lines []string) {
		for i, line := range lines {
			if i == limit {
				fmt.Fprintf(&b, "%s ... %d more lines\n", sign, len(lines)-limit)
				break
			}
			fmt.Fprintf(&b, "%s %5d: %s\n", sign, pre+1+i, line)
		}
	}
	fmt.Fprintf(&b, "--- committed lines %d-%d\n", pre+1, len(h)-suf)
	side("-", h[pre:len(h)-suf])
	fmt.Fprintf(&b, "+++ generated lines %d-%d\n", pre+1, len(w)-suf)
	side("+", w[pre:len(w)-suf])
	return strings.TrimSuffix(b.String(), "\n")
}
