package pipeline

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// newModule makes a copy of the module's skeleton in a temporary directory: its go.mod and
// gorums.proto, and the given files.
func newModule(t *testing.T, files map[string]string) string {
	t.Helper()
	real, err := FindModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, name := range []string{"go.mod", "gorums.proto"} {
		b, err := os.ReadFile(filepath.Join(real, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
	}
	for name, content := range files {
		name = filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const kvProto = `syntax = "proto3";
package kv;
option go_package = "example.com/kv";
import "gorums.proto";
message Req { string key = 1; }
message Resp { string value = 1; }
service KV { rpc Get(Req) returns (Resp) { option (gorums.quorumcall) = true; } }
`

func TestDiscover(t *testing.T) {
	root := newModule(t, map[string]string{
		"a/kv.proto":                  kvProto,
		"a/kv_gorums.pb.go":           "",
		"b/c/x.proto":                 kvProto,
		"b/c/x_gorums.pb.go":          "",
		"b/nooutput.proto":            kvProto, // no committed output: not a target
		".hidden/h.proto":             kvProto,
		".hidden/h_gorums.pb.go":      "",
		"vendor/v/v.proto":            kvProto,
		"vendor/v/v_gorums.pb.go":     "",
		"gen/testdata/g.proto":        kvProto,
		"gen/testdata/g_gorums.pb.go": "",
	})
	targets, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{Dir: "a", Proto: "kv.proto"}, {Dir: "b/c", Proto: "x.proto"}, {Dir: ".", Proto: "gorums.proto"}}
	if !reflect.DeepEqual(targets, want) {
		t.Errorf("Discover = %v, want %v", targets, want)
	}
	if err := os.WriteFile(filepath.Join(root, "a", "orphan_gorums.pb.go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Discover(root); err == nil || !strings.Contains(err.Error(), "a/orphan_gorums.pb.go has no orphan.proto") {
		t.Errorf("Discover with an orphan _gorums.pb.go: err = %v", err)
	}
}

// TestGenerate checks that Generate produces both files, with the header gorums-gen writes,
// and reports missing and stale ones, in the header too; and that the root's gorums.proto
// gives gorums.pb.go alone.
func TestGenerate(t *testing.T) {
	root := newModule(t, map[string]string{"a/kv.proto": kvProto, "a/kv_gorums.pb.go": ""})
	target := Target{Dir: "a", Proto: "kv.proto"}
	files, err := Generate(root, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != "a/kv.pb.go" || files[1].Path != "a/kv_gorums.pb.go" {
		t.Fatalf("Generate returned %v", files)
	}
	pbgo := files[0]
	if pbgo.Have != nil || pbgo.Current() || Diff(pbgo.Have, pbgo.Want, 10) != "the file is missing" {
		t.Errorf("missing kv.pb.go: Have = %q, Current = %v", pbgo.Have, pbgo.Current())
	}
	if !strings.Contains(string(pbgo.Want), "// \tprotoc        (unknown)\n") {
		t.Errorf("in-process protoc-gen-go header has no unknown protoc version:\n%s", pbgo.Want)
	}
	if files[1].Current() {
		t.Errorf("empty kv_gorums.pb.go is current")
	}

	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, "a", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kv.pb.go", string(pbgo.Want))
	write("kv_gorums.pb.go", string(files[1].Want))
	files, err = Generate(root, target)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !f.Current() {
			t.Errorf("%s is not current after writing the output:\n%s", f.Path, Diff(f.Have, f.Want, 10))
		}
	}

	// Any change is stale: another protoc's version line, another source, another name.
	for _, stale := range []string{
		strings.Replace(string(pbgo.Want), "// \tprotoc        (unknown)\n", "// \tprotoc        v3.21.12\n", 1),
		strings.Replace(string(pbgo.Want), "// source: kv.proto", "// source: other.proto", 1),
		strings.Replace(string(pbgo.Want), "Key ", "Kee ", 1),
	} {
		write("kv.pb.go", stale)
		files, err = Generate(root, target)
		if err != nil {
			t.Fatal(err)
		}
		if files[0].Current() {
			t.Errorf("edited kv.pb.go is current")
		}
		if d := Diff(files[0].Have, files[0].Want, 10); !strings.HasPrefix(d, "--- committed lines ") {
			t.Errorf("Diff = %q", d)
		}
	}

	files, err = Generate(root, Target{Dir: ".", Proto: "gorums.proto"})
	if err != nil || len(files) != 1 || files[0].Path != "gorums.pb.go" {
		t.Errorf("Generate(gorums.proto) = %v, %v; want gorums.pb.go alone", files, err)
	}
}

func TestDiff(t *testing.T) {
	got := Diff([]byte("a\nb\nc\nd\n"), []byte("a\nB\nC\nd\n"), 1)
	want := "--- committed lines 2-3\n-     2: b\n- ... 1 more lines\n+++ generated lines 2-3\n+     2: B\n+ ... 1 more lines"
	if got != want {
		t.Errorf("Diff =\n%s\nwant\n%s", got, want)
	}
	if got := Diff([]byte("x"), []byte("x"), 1); got != "no difference" {
		t.Errorf("Diff of equal = %q", got)
	}
}
