package gorumsgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/bufbuild/protocompile/linker"
	"github.com/bufbuild/protocompile/reporter"
	"google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/gen"
)

// Options are the command-line choices protoc offers that matter to the generated Go code.
type Options struct {
	// ImportPaths are the directories imports are looked up in, in order (protoc's -I). None
	// means the current directory, as for protoc.
	ImportPaths []string
	// Paths is protoc-gen-go's paths option: "" or "import" (output under the Go import
	// path), or "source_relative" (output beside the .proto file's path).
	Paths string
	// Module is protoc-gen-go's module option: output under the Go import path with this
	// prefix removed. It excludes Paths.
	Module string
	// Warn, if set, receives the compiler's warnings (an unused import, ...), each as
	// "file:line:col: warning: message".
	Warn func(string)
}

// File is a generated file: its name relative to the output directory, and its content.
type File struct {
	Name    string
	Content []byte
}

// Generate compiles the .proto files and returns what protoc-gen-go and protoc-gen-gorums
// generate from them. Each file is a path on disk inside one of the import paths, or a path
// relative to an import path, as protoc takes them. Errors in the .proto files are reported
// each on a line as file:line:col: message.
func Generate(opts Options, files ...string) ([]File, error) {
	req, err := Request(opts, files...)
	if err != nil {
		return nil, err
	}
	return Run(req)
}

// Request compiles the files and returns the request protoc would send its plugins.
func Request(opts Options, files ...string) (*pluginpb.CodeGeneratorRequest, error) {
	if len(files) == 0 {
		return nil, errors.New("no .proto files to compile")
	}
	param, err := opts.parameter()
	if err != nil {
		return nil, err
	}
	importPaths := opts.ImportPaths
	if len(importPaths) == 0 {
		importPaths = []string{"."}
	}
	names := make([]string, len(files))
	for i, f := range files {
		if names[i], err = protoName(importPaths, f); err != nil {
			return nil, err
		}
	}
	var errs []error
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(protocompile.CompositeResolver{
			&protocompile.SourceResolver{ImportPaths: importPaths},
			builtin{},
		}),
		SourceInfoMode: protocompile.SourceInfoStandard,
		Reporter: reporter.NewReporter(
			func(err reporter.ErrorWithPos) error { errs = append(errs, err); return nil },
			func(w reporter.ErrorWithPos) {
				if opts.Warn != nil {
					opts.Warn(fmt.Sprintf("%s: warning: %v", w.GetPosition(), w.Unwrap()))
				}
			}),
	}
	compiled, err := c.Compile(context.Background(), names...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err != nil {
		return nil, err
	}
	req := &pluginpb.CodeGeneratorRequest{FileToGenerate: names}
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
		req.ProtoFile = append(req.ProtoFile, fileProto(fd))
	}
	for _, f := range compiled {
		add(f)
	}
	// Send the request through its wire form, as protoc does: the generators then see the
	// Gorums options as unknown fields, exactly as the plugins do.
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

// parameter is the plugin parameter that Paths and Module stand for.
func (opts Options) parameter() (string, error) {
	switch {
	case opts.Module != "" && opts.Paths != "":
		return "", errors.New("-paths and -module exclude each other")
	case opts.Module != "":
		return "module=" + opts.Module, nil
	case opts.Paths == "", opts.Paths == "import", opts.Paths == "source_relative":
		if opts.Paths == "" {
			return "", nil
		}
		return "paths=" + opts.Paths, nil
	}
	return "", fmt.Errorf("-paths %s: want import or source_relative", opts.Paths)
}

// protoName is the name protoc gives a file named on its command line: for a file on disk,
// its path relative to the first import path that contains it; otherwise the name itself,
// which the import paths must resolve.
func protoName(importPaths []string, file string) (string, error) {
	if _, err := os.Stat(file); err != nil {
		if filepath.IsAbs(file) {
			return "", err
		}
		return filepath.ToSlash(file), nil
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	for _, dir := range importPaths {
		d, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		if rel, err := filepath.Rel(d, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel), nil
		}
	}
	return "", fmt.Errorf("%s: file is not inside any import path (%s); add its directory with -I",
		file, strings.Join(importPaths, string(os.PathListSeparator)))
}

// builtin resolves gorums.proto, when no import path has it, to the file this module's root
// package was generated from.
type builtin struct{}

func (builtin) FindFileByPath(path string) (protocompile.SearchResult, error) {
	if path == gorums.File_gorums_proto.Path() {
		return protocompile.SearchResult{Desc: gorums.File_gorums_proto}, nil
	}
	return protocompile.SearchResult{}, os.ErrNotExist
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

// Run runs protoc-gen-go's generator and the Gorums generator on req, as their mains do,
// and returns their files: protoc-gen-go's first, in request order.
func Run(req *pluginpb.CodeGeneratorRequest) ([]File, error) {
	var files []File
	for _, g := range []struct {
		prefix string // for its errors; Gorums' name the file (and line) already
		run    func(*protogen.Plugin) error
	}{
		{"protoc-gen-go: ", protocGenGo},
		{"", gen.Generate},
	} {
		plugin, err := protogen.Options{}.New(req)
		if err != nil {
			return nil, fmt.Errorf("%s%w", g.prefix, err)
		}
		if err := g.run(plugin); err != nil {
			plugin.Error(err)
		}
		resp := plugin.Response()
		if resp.Error != nil {
			return nil, errors.New(g.prefix + resp.GetError())
		}
		for _, f := range resp.File {
			files = append(files, File{Name: f.GetName(), Content: []byte(f.GetContent())})
		}
	}
	return files, nil
}

// protocGenGo is protoc-gen-go's main, without its flags (which it has none of that change
// the output of the Go files).
func protocGenGo(plugin *protogen.Plugin) error {
	plugin.SupportedFeatures = internal_gengo.SupportedFeatures
	plugin.SupportedEditionsMinimum = internal_gengo.SupportedEditionsMinimum
	plugin.SupportedEditionsMaximum = internal_gengo.SupportedEditionsMaximum
	for _, f := range plugin.Files {
		if f.Generate {
			internal_gengo.GenerateFile(plugin, f)
		}
	}
	return nil
}

// Write writes the files under dir, creating directories as needed. A file whose content
// is already what is on disk is left alone, so its modification time says when it last
// changed.
func Write(dir string, files []File) error {
	for _, f := range files {
		name := filepath.Join(dir, filepath.FromSlash(f.Name))
		if old, err := os.ReadFile(name); err == nil && string(old) == string(f.Content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(name, f.Content, 0o644); err != nil {
			return err
		}
	}
	return nil
}
