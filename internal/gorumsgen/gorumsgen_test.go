package gorumsgen

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var update = flag.Bool("update", false, "rewrite testdata/pinned.pb.go.golden")

// TestProtocGenGoPinned is the guard of the decision to run protoc-gen-go's generator
// (internal_gengo, which protobuf-go does not promise to keep stable) in-process: it compares
// its output for a file with every protobuf feature with the output committed when go.mod last
// changed protobuf-go's version. An upgrade that changes the generated code, or only its
// version line, fails here with what changed, instead of silently changing the code users get.
func TestProtocGenGoPinned(t *testing.T) {
	files, err := Generate(Options{ImportPaths: []string{"testdata"}, Paths: "source_relative"}, "pinned.proto")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Name != "pinned.pb.go" {
		t.Fatalf("generated %v, want pinned.pb.go alone (the file has no service)", files)
	}
	golden := filepath.Join("testdata", "pinned.pb.go.golden")
	if *update {
		if err := os.WriteFile(golden, files[0].Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(files[0].Content); got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		line := 0
		for line < len(g) && line < len(w) && g[line] == w[line] {
			line++
		}
		var gl, wl string
		if line < len(g) {
			gl = g[line]
		}
		if line < len(w) {
			wl = w[line]
		}
		t.Errorf("protoc-gen-go's output changed at line %d:\n got: %s\nwant: %s\n"+
			"google.golang.org/protobuf in go.mod is not the version %s was made with. Check that "+
			"gorumsgen's use of internal_gengo still does what protoc-gen-go's main does, then run "+
			"go test ./internal/gorumsgen -update and go run ./gen/internal/regen.",
			line+1, gl, wl, golden)
	}
}

func TestParameter(t *testing.T) {
	for _, tt := range []struct {
		opts    Options
		want    string
		wantErr string
	}{
		{Options{}, "", ""},
		{Options{Paths: "import"}, "paths=import", ""},
		{Options{Paths: "source_relative"}, "paths=source_relative", ""},
		{Options{Module: "example.com/x"}, "module=example.com/x", ""},
		{Options{Paths: "source_relative", Module: "m"}, "", "-paths and -module exclude each other"},
		{Options{Paths: "elsewhere"}, "", "-paths elsewhere: want import or source_relative"},
	} {
		got, err := tt.opts.parameter()
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && err.Error() != tt.wantErr) {
			t.Errorf("%+v.parameter() = %q, %v; want %q, %q", tt.opts, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestProtoName names files as protoc does: relative to the first import path holding them.
func TestProtoName(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(sub, "a.proto")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		paths []string
		file  string
		want  string
	}{
		{[]string{dir}, file, "sub/a.proto"},
		{[]string{sub, dir}, file, "a.proto"},
		{[]string{dir}, "sub/b.proto", "sub/b.proto"}, // not on disk: a name for the import paths
	} {
		if got, err := protoName(tt.paths, tt.file); err != nil || got != tt.want {
			t.Errorf("protoName(%q, %q) = %q, %v; want %q", tt.paths, tt.file, got, err, tt.want)
		}
	}
	if _, err := protoName([]string{sub}, filepath.Join(dir, "missing.proto")); err == nil {
		t.Errorf("protoName of an absolute path that is not on disk: no error")
	}
	outside := filepath.Join(dir, "outside.proto")
	if err := os.WriteFile(outside, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := protoName([]string{sub}, outside); err == nil || !strings.Contains(err.Error(), "not inside any import path") {
		t.Errorf("protoName of a file outside the import paths: %v", err)
	}
}
