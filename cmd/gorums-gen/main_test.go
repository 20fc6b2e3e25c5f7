package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	moduleRoot = "../.."
	testdata   = "../../gen/testdata" // the generator's test protos: every call type, comments, the guide's files
)

// gorumsGen runs the command in-process and returns its standard error and exit status.
func gorumsGen(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var stderr bytes.Buffer
	code := run(args, &stderr)
	return stderr.String(), code
}

// tree returns the files below dir, by slash-separated relative path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := make(map[string]string)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// keys returns m's keys, sorted.
func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

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

// TestErrors shows syntax and type errors come out as file:line:col: message, with exit
// status 1 and nothing written, and a wrong command line gets status 2.
func TestErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	writeFile(t, filepath.Join(dir, "syntax.proto"), `syntax = "proto3";
package bad;
message A { int32 x = 1 }
`)
	writeFile(t, filepath.Join(dir, "types.proto"), `syntax = "proto3";
package bad;
option go_package = "example.com/bad";
import "gorums.proto";
message A { Missing m = 1; }
service S { rpc M(A) returns (B) { option (gorums.quorumcall) = true; } }
`)
	writeFile(t, filepath.Join(dir, "refused.proto"), `syntax = "proto3";
package bad;
option go_package = "example.com/bad";
import "gorums.proto";
message A {}
service S {
  rpc M(A) returns (A) { option (gorums.async) = true; }
}
`)
	for _, tt := range []struct {
		file string
		want []string
	}{
		{"syntax.proto", []string{"syntax.proto:3:25: syntax error: expecting ';'"}},
		{"types.proto", []string{
			"types.proto:5:13: field bad.A.m: unknown type Missing",
			"types.proto:6:31: method bad.S.M: unknown response type B",
		}},
		{"refused.proto", []string{"refused.proto:7:3: S.M: option async requires option quorumcall"}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			stderr, code := gorumsGen(t, "-I", dir, "-out", out, filepath.Join(dir, tt.file))
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if got := strings.Split(strings.TrimSpace(stderr), "\n"); !slices.Equal(got, tt.want) {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, strings.Join(tt.want, "\n"))
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a failed run wrote %v", keys(tree(t, out)))
			}
		})
	}
	for _, args := range [][]string{nil, {"-bogus", "x.proto"}, {"-paths"}} {
		if _, code := gorumsGen(t, args...); code != 2 {
			t.Errorf("gorums-gen %q: exit status %d, want 2", args, code)
		}
	}
	if stderr, code := gorumsGen(t, "-paths", "sideways", "-out", out, filepath.Join(dir, "refused.proto")); code != 1 || !strings.Contains(stderr, "-paths sideways: want import or source_relative") {
		t.Errorf("-paths sideways: %d, %q", code, stderr)
	}
}

// TestShadowedInput refuses, as protoc does, a file that an earlier import path shadows:
// with -I a -I b, b/x.proto is named x.proto, which the compiler would find as a/x.proto.
func TestShadowedInput(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a", "b"} {
		writeFile(t, filepath.Join(dir, d, "x.proto"), `syntax = "proto3";
package `+d+`;
option go_package = "example.com/`+d+`";
service S { rpc M(R) returns (R); }
message R {}
`)
	}
	t.Chdir(dir)
	want := "b/x.proto: input is shadowed in the import paths by a/x.proto, which has the same name x.proto; give that file instead, or put -I b before -I a\n"
	if stderr, code := gorumsGen(t, "-I", "a", "-I", "b", "-out", "out", "b/x.proto"); code != 1 || stderr != want {
		t.Errorf("exit status %d, stderr %q; want 1 and %q", code, stderr, want)
	}
	if _, err := os.Stat("out"); err == nil {
		t.Errorf("a failed run wrote %v", keys(tree(t, "out")))
	}
	for _, args := range [][]string{
		{"-I", "b", "-I", "a", "b/x.proto"},
		{"-I", "a", "-I", "b", "a/x.proto"},
		{"-I", ".", "-I", "a", "b/x.proto"}, // named b/x.proto, which a does not have
	} {
		out := t.TempDir()
		if stderr, code := gorumsGen(t, append([]string{"-out", out}, args...)...); code != 0 || stderr != "" {
			t.Errorf("gorums-gen %q: exit status %d, stderr %q; want 0 and silence", args, code, stderr)
		}
	}
}

// TestNoImportPathsNeeded compiles, with no -I at all, a file in the current directory that
// imports gorums.proto (as Gorums v0.7 files do) and a well-known type, and writes both files
// beside it, silently.
func TestNoImportPathsNeeded(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "v07.proto"), `syntax = "proto3";
package v07;
option go_package = "example.com/v07;v07";
import "gorums.proto";
import "google/protobuf/empty.proto";
service Storage {
  rpc Read(google.protobuf.Empty) returns (State) { option (gorums.quorumcall) = true; }
}
message State { string Value = 1; }
`)
	t.Chdir(dir)
	stderr, code := gorumsGen(t, "v07.proto")
	if code != 0 || stderr != "" {
		t.Fatalf("exit status %d, stderr %q; want 0 and silence", code, stderr)
	}
	if got := keys(tree(t, ".")); !slices.Equal(got, []string{"v07.pb.go", "v07.proto", "v07_gorums.pb.go"}) {
		t.Errorf("wrote %v, want v07.pb.go and v07_gorums.pb.go beside v07.proto", got)
	}
}

// protocVersionLine is the line of protoc-gen-go's header that names protoc's version.
var protocVersionLine = regexp.MustCompile(`(?m)^// \tprotoc        .*$`)

// TestIdenticalToProtoc runs protoc with protoc-gen-go (built at the version go.mod
// requires) and protoc-gen-gorums, and gorums-gen, on the generator's test protos, in each
// output mode, and requires the same files, byte for byte, but for the one line that names
// protoc's version (gorums-gen has none: "(unknown)").
func TestIdenticalToProtoc(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc is not on PATH (install protobuf-compiler); CI runs this test")
	}
	root, err := filepath.Abs(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	data, err := filepath.Abs(testdata)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	goBuild(t, root, "-o", filepath.Join(bin, "protoc-gen-go"), "google.golang.org/protobuf/cmd/protoc-gen-go")
	goBuild(t, root, "-o", filepath.Join(bin, "protoc-gen-gorums"), "./gen/protoc-gen-gorums")

	protos, err := filepath.Glob(filepath.Join(data, "*.proto"))
	if err != nil || len(protos) == 0 {
		t.Fatalf("no test protos in %s: %v", data, err)
	}
	// The file of internal/gorumsgen's pinned golden, so that golden is protoc-gen-go's too.
	pinned, err := filepath.Abs(filepath.Join(moduleRoot, "internal", "gorumsgen", "testdata", "pinned.proto"))
	if err != nil {
		t.Fatal(err)
	}
	for _, proto := range append(protos, pinned) {
		name := filepath.Base(proto)
		dir := filepath.Dir(proto)
		src, err := os.ReadFile(proto)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("\nedition = ")) {
			continue // protoc before 27 has no editions; the in-process tests cover them
		}
		for _, mode := range []struct{ protoc, gen []string }{
			{[]string{"paths=source_relative"}, []string{"-paths", "source_relative"}},
			{[]string{"paths=import"}, []string{"-paths", "import"}},
			{[]string{"module=example.com"}, []string{"-module", "example.com"}},
		} {
			if strings.Contains(string(src), `go_package = ".;`) && mode.protoc[0] == "module=example.com" {
				continue // the guide's files have the import path "."; no module prefix applies
			}
			t.Run(name+"/"+mode.protoc[0], func(t *testing.T) {
				protocOut, genOut := t.TempDir(), t.TempDir()
				opt := mode.protoc[0]
				cmd := exec.Command(protoc, "-I=.", "-I="+root,
					"--plugin=protoc-gen-go="+filepath.Join(bin, "protoc-gen-go"),
					"--plugin=protoc-gen-gorums="+filepath.Join(bin, "protoc-gen-gorums"),
					"--go_out="+opt+":"+protocOut, "--gorums_out="+opt+":"+protocOut, name)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
					t.Fatalf("protoc %s: %v\n%s", name, err, out)
				}
				args := append([]string{"-I", dir, "-out", genOut}, mode.gen...)
				if stderr, code := gorumsGen(t, append(args, proto)...); code != 0 || stderr != "" {
					t.Fatalf("gorums-gen: exit status %d\n%s", code, stderr)
				}
				want, got := tree(t, protocOut), tree(t, genOut)
				if !slices.Equal(keys(got), keys(want)) {
					t.Fatalf("gorums-gen wrote %v, protoc %v", keys(got), keys(want))
				}
				for file, w := range want {
					if !protocVersionLine.MatchString(w) && strings.HasSuffix(file, ".pb.go") && !strings.HasSuffix(file, "_gorums.pb.go") {
						t.Errorf("protoc's %s has no protoc version line", file)
					}
					w = protocVersionLine.ReplaceAllString(w, "// \tprotoc        (unknown)")
					if got[file] != w {
						t.Errorf("%s differs from protoc's:\n%s", file, firstDifference(got[file], w))
					}
				}
			})
		}
	}
}

// TestBuf runs buf generate with the buf.gen.yaml of testdata/buf (the README's), in a fresh
// module that uses this one, and requires gorums-gen's output.
func TestBuf(t *testing.T) {
	buf, err := exec.LookPath("buf")
	if err != nil {
		t.Skip("buf is not on PATH (npm install -g @bufbuild/buf); CI runs this test")
	}
	mod := freshModule(t)
	for _, name := range []string{"buf.yaml", "buf.gen.yaml"} {
		writeFile(t, filepath.Join(mod, name), readFile(t, filepath.Join("testdata", "buf", name)))
	}
	writeFile(t, filepath.Join(mod, "proto", "storage.proto"), storageProto(t))
	writeFile(t, filepath.Join(mod, "third_party", "gorums.proto"), readFile(t, filepath.Join(moduleRoot, "gorums.proto")))
	cmd := exec.Command(buf, "generate")
	cmd.Dir = mod
	cmd.Env = offlineGoEnv()
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("buf generate: %v\n%s", err, out)
	}
	genOut := t.TempDir()
	if stderr, code := gorumsGen(t, "-I", filepath.Join(mod, "proto"), "-out", genOut, filepath.Join(mod, "proto", "storage.proto")); code != 0 {
		t.Fatalf("gorums-gen: %d\n%s", code, stderr)
	}
	for name, want := range tree(t, genOut) {
		if got := readFile(t, filepath.Join(mod, "proto", name)); got != want {
			t.Errorf("buf's %s differs from gorums-gen's:\n%s", name, firstDifference(got, want))
		}
	}
	goRun(t, mod, "build", "./...")
}

// TestGoGenerate runs go generate in a fresh module whose package has the README's
// generate directive, offline, and builds the result.
func TestGoGenerate(t *testing.T) {
	mod := freshModule(t)
	writeFile(t, filepath.Join(mod, "proto", "storage.proto"), storageProto(t))
	writeFile(t, filepath.Join(mod, "proto", "gen.go"), "package storage\n\n"+
		"//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen storage.proto\n")
	goRun(t, mod, "generate", "./...")
	goRun(t, mod, "build", "./...")
	if got := keys(tree(t, filepath.Join(mod, "proto"))); !slices.Equal(got, []string{"gen.go", "storage.pb.go", "storage.proto", "storage_gorums.pb.go"}) {
		t.Errorf("go generate left %v", got)
	}
}

// storageProto is the storage example's service (the README's), in package
// example.com/gentest/proto.
func storageProto(t *testing.T) string {
	t.Helper()
	src := readFile(t, filepath.Join(moduleRoot, "examples", "storage", "proto", "storage.proto"))
	goPackage := regexp.MustCompile(`(?m)^option go_package = .*$`)
	if !goPackage.MatchString(src) {
		t.Fatal("the storage example's .proto file has no go_package option")
	}
	return goPackage.ReplaceAllString(src, `option go_package = "example.com/gentest/proto;storage";`)
}

// freshModule makes a module example.com/gentest that requires this one from its directory,
// with this module's go.sum, so that the go command needs no network.
func freshModule(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	gomod := readFile(t, filepath.Join(root, "go.mod"))
	goLine := regexp.MustCompile(`(?m)^go .*$`).FindString(gomod)
	writeFile(t, filepath.Join(mod, "go.mod"), "module example.com/gentest\n\n"+goLine+
		"\n\nrequire github.com/quorumcall/gorums v0.0.0\n\nreplace github.com/quorumcall/gorums => "+root+"\n")
	writeFile(t, filepath.Join(mod, "go.sum"), readFile(t, filepath.Join(root, "go.sum")))
	return mod
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

// goBuild runs go build with args in dir, offline.
func goBuild(t *testing.T, dir string, args ...string) {
	t.Helper()
	goRun(t, dir, append([]string{"build"}, args...)...)
}

// goRun runs the go command with args in dir, offline.
func goRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goTool, args...)
	cmd.Dir = dir
	cmd.Env = offlineGoEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// offlineGoEnv is the environment for child go commands: module mode, no workspace, and no
// network, so a test that passes shows the build needs nothing but the module cache.
func offlineGoEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
}

// firstDifference describes where got and want first differ, by line.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "no difference"
}
