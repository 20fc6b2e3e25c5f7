package gen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/types/pluginpb"
)

// TestGeneratedCodeCompiles builds the generated code of every testdata proto, with
// protoc-gen-go's output beside it and the user code of testdata/usage, against
// testdata/runtimestub: a package with exactly the runtime API that generated code may
// call. It shows the generator keeps to that contract whatever state the runtime is in;
// TestProtoc builds against the real runtime.
func TestGeneratedCodeCompiles(t *testing.T) {
	check := stubModule(t)
	for _, name := range protoFiles(t) {
		dir := filepath.Join(check, trimProto(name))
		req := compileRequest(t, nil, "paths=source_relative", name)
		for _, f := range append(protocGenGo(t, req).File, run(t, req).File...) {
			writeFile(t, filepath.Join(dir, f.GetName()), f.GetContent())
		}
		usage := filepath.Join("testdata", "usage", trimProto(name)+".go")
		writeFile(t, filepath.Join(dir, "usage.go"), readFile(t, usage))
	}
	buildAndVet(t, check)
}

// TestImportNamedLikeALocal builds a service whose messages come from packages whose
// import paths end in n and ctx, the names of the receiver and context parameter of the
// generated methods: in their bodies, n.Req would name a field of the receiver. The imports
// must get other names.
func TestImportNamedLikeALocal(t *testing.T) {
	sources := map[string]string{
		"n/n.proto":     `syntax = "proto3"; package n; option go_package = "example.com/n"; message Req {} message Resp {}`,
		"ctx/ctx.proto": `syntax = "proto3"; package ctx; option go_package = "example.com/ctx"; message Resp {}`,
		"svc/svc.proto": `syntax = "proto3";
package svc;
option go_package = "example.com/svc";
import "gorums.proto";
import "n/n.proto";
import "ctx/ctx.proto";
service Svc {
  rpc Read(n.Req) returns (n.Resp) {}
  rpc Tell(n.Req) returns (ctx.Resp) { option (gorums.unicast) = true; }
  rpc Spread(n.Req) returns (ctx.Resp) { option (gorums.multicast) = true; option (gorums.per_node_arg) = true; }
  rpc QC(n.Req) returns (ctx.Resp) { option (gorums.quorumcall) = true; option (gorums.per_node_arg) = true; }
  rpc Async(n.Req) returns (ctx.Resp) { option (gorums.quorumcall) = true; option (gorums.async) = true; option (gorums.per_node_arg) = true; }
  rpc Corr(n.Req) returns (n.Resp) { option (gorums.correctable) = true; }
  rpc CorrStream(n.Req) returns (stream ctx.Resp) { option (gorums.correctable) = true; }
}`,
	}
	req := compileRequest(t, sources, "paths=source_relative", "n/n.proto", "ctx/ctx.proto", "svc/svc.proto")
	gorumsFile := run(t, req)
	if gorumsFile.Error != nil {
		t.Fatalf("generator refused: %s", gorumsFile.GetError())
	}
	check := stubModule(t)
	for _, f := range append(protocGenGo(t, req).File, gorumsFile.File...) {
		writeFile(t, filepath.Join(check, f.GetName()), f.GetContent())
	}
	src := readFile(t, filepath.Join(check, "svc", "svc_gorums.pb.go"))
	for _, imp := range []string{`n1 "example.com/n"`, `ctx1 "example.com/ctx"`} {
		if !strings.Contains(src, imp) {
			t.Errorf("svc_gorums.pb.go does not import %s:\n%s", imp, src)
		}
	}
	buildAndVet(t, check)
}

// TestTemplateLocals requires templateLocals to be the names the generated files declare
// inside functions (receivers, parameters, results and local variables), which no import
// may take.
func TestTemplateLocals(t *testing.T) {
	found := make(map[string]bool)
	add := func(ids ...*ast.Ident) {
		for _, id := range ids {
			if id.Name != "_" {
				found[id.Name] = true
			}
		}
	}
	addFields := func(fl *ast.FieldList) {
		if fl != nil {
			for _, field := range fl.List {
				add(field.Names...)
			}
		}
	}
	for _, name := range protoFiles(t) {
		golden := filepath.Join("testdata", "golden", trimProto(name)+".golden")
		f, err := parser.ParseFile(token.NewFileSet(), golden, readFile(t, golden), 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			switch x := node.(type) {
			case *ast.FuncDecl:
				addFields(x.Recv)
			case *ast.FuncType:
				addFields(x.Params)
				addFields(x.Results)
			case *ast.AssignStmt:
				if x.Tok == token.DEFINE {
					for _, e := range x.Lhs {
						add(e.(*ast.Ident))
					}
				}
			case *ast.RangeStmt:
				if x.Tok == token.DEFINE {
					for _, e := range []ast.Expr{x.Key, x.Value} {
						if id, ok := e.(*ast.Ident); ok {
							add(id)
						}
					}
				}
			case *ast.DeclStmt:
				for _, spec := range x.Decl.(*ast.GenDecl).Specs {
					if vs, ok := spec.(*ast.ValueSpec); ok {
						add(vs.Names...)
					}
				}
			}
			return true
		})
	}
	if have, want := slices.Sorted(maps.Keys(found)), slices.Sorted(slices.Values(templateLocals)); !slices.Equal(have, want) {
		t.Errorf("the generated files declare the locals\n\t%q\nbut templateLocals is\n\t%q\nmake it the first list", have, want)
	}
}

// stubModule makes a module example.com that uses testdata/runtimestub as the runtime, and
// returns its directory.
func stubModule(t *testing.T) string {
	t.Helper()
	tmp := t.TempDir()
	stub := filepath.Join(tmp, "stub")
	check := filepath.Join(tmp, "check")
	goVersion := moduleGoVersion(t)
	writeFile(t, filepath.Join(stub, "go.mod"), "module github.com/quorumcall/gorums\n\ngo "+goVersion+
		"\n\nrequire google.golang.org/protobuf "+protobufVersion(t)+"\n")
	writeFile(t, filepath.Join(stub, "gorums.go"), readFile(t, filepath.Join("testdata", "runtimestub", "gorums.go")))
	writeFile(t, filepath.Join(check, "go.mod"), "module example.com\n\ngo "+goVersion+
		"\n\nrequire (\n\tgithub.com/quorumcall/gorums v0.0.0\n\tgoogle.golang.org/protobuf "+protobufVersion(t)+
		"\n)\n\nreplace github.com/quorumcall/gorums => "+stub+"\n")
	writeFile(t, filepath.Join(check, "go.sum"), readFile(t, filepath.Join(moduleRoot, "go.sum")))
	return check
}

// buildAndVet runs go build and go vet on every package of the module in dir, offline.
func buildAndVet(t *testing.T, dir string) {
	t.Helper()
	goTool := lookGo(t)
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		cmd.Env = offlineGoEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// protocGenGo runs protoc-gen-go's generator in-process on req.
func protocGenGo(t *testing.T, req *pluginpb.CodeGeneratorRequest) *pluginpb.CodeGeneratorResponse {
	t.Helper()
	plugin, err := protogen.Options{}.New(req)
	if err != nil {
		t.Fatal(err)
	}
	plugin.SupportedFeatures = internal_gengo.SupportedFeatures
	plugin.SupportedEditionsMinimum = internal_gengo.SupportedEditionsMinimum
	plugin.SupportedEditionsMaximum = internal_gengo.SupportedEditionsMaximum
	for _, f := range plugin.Files {
		if f.Generate {
			internal_gengo.GenerateFile(plugin, f)
		}
	}
	resp := plugin.Response()
	if resp.Error != nil {
		t.Fatalf("protoc-gen-go: %s", resp.GetError())
	}
	return resp
}

// lookGo finds the go command, skipping the test when there is none.
func lookGo(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build generated code with")
	}
	return goTool
}

// offlineGoEnv is the environment for child go commands: module mode, no workspace, and
// no network, so a test that passes shows the build needs nothing but the module cache.
func offlineGoEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
}

// moduleGoVersion is the go directive of the module's go.mod.
func moduleGoVersion(t *testing.T) string {
	return goModField(t, "go ")
}

// protobufVersion is the version of google.golang.org/protobuf the module builds with.
func protobufVersion(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(lookGo(t), "list", "-m", "-f", "{{.Version}}", "google.golang.org/protobuf")
	cmd.Dir = moduleRoot
	cmd.Env = offlineGoEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m google.golang.org/protobuf: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// goModField returns the first word after prefix on a line of the module's go.mod.
func goModField(t *testing.T, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(readFile(t, filepath.Join(moduleRoot, "go.mod")), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, prefix) {
			return strings.Fields(strings.TrimPrefix(line, prefix))[0]
		}
	}
	t.Fatalf("go.mod has no line starting with %q", prefix)
	return ""
}

// writeFile writes content to name, creating its directory.
func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
