package gen

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

// buildPlugin builds protoc-gen-gorums into dir and returns its path.
func buildPlugin(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "protoc-gen-gorums")
	goBuild(t, ".", "-o", bin, "./protoc-gen-gorums")
	return bin
}

// goBuild runs go build with args in dir, offline.
func goBuild(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(lookGo(t), append([]string{"build"}, args...)...)
	cmd.Dir = dir
	cmd.Env = offlineGoEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// TestPluginMain runs the built plugin as protoc would, with a request on stdin, and checks
// it is silent, answers with the golden output, and supports --version.
func TestPluginMain(t *testing.T) {
	dir := t.TempDir()
	bin := buildPlugin(t, dir)
	// The plugin also installs from cmd/protoc-gen-gorums, the path of the user guide's go
	// install: the same program.
	guideBin := filepath.Join(dir, "guide-plugin")
	goBuild(t, "..", "-o", guideBin, "./cmd/protoc-gen-gorums")

	req, err := proto.Marshal(compileRequest(t, nil, "paths=source_relative", "storage.proto"))
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	for _, b := range []string{bin, guideBin} {
		stdout.Reset()
		stderr.Reset()
		cmd := exec.Command(b)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(req), &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", filepath.Base(b), err, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("%s wrote to stderr on success: %q", filepath.Base(b), stderr.String())
		}
		resp := &pluginpb.CodeGeneratorResponse{}
		if err := proto.Unmarshal(stdout.Bytes(), resp); err != nil {
			t.Fatal(err)
		}
		if resp.Error != nil || len(resp.File) != 1 || resp.File[0].GetName() != "storage_gorums.pb.go" {
			t.Fatalf("%s: unexpected response: error %q, %d files", filepath.Base(b), resp.GetError(), len(resp.File))
		}
		if want := readFile(t, "testdata/golden/storage.golden"); resp.File[0].GetContent() != want {
			t.Errorf("%s output differs from the golden file\n%s", filepath.Base(b), firstDifference(resp.File[0].GetContent(), want))
		}
	}

	// A misspelled parameter fails the plugin, as it fails protoc-gen-go.
	bad, err := proto.Marshal(compileRequest(t, nil, "path=source_relative", "storage.proto"))
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	cmd := exec.Command(bin)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(bad), &stdout, &stderr
	wantErr := `protoc-gen-gorums: unknown parameter "path"; protoc-gen-gorums takes only protoc-gen-go's parameters that place the files (paths, module, M<file>=<import path>)` + "\n"
	if err := cmd.Run(); err == nil || stderr.String() != wantErr {
		t.Errorf("plugin with parameter path=source_relative: %v, stderr %q; want exit status 1 and %q", err, stderr.String(), wantErr)
	}

	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "protoc-gen-gorums ") {
		t.Errorf("--version = %q, %v; want \"protoc-gen-gorums <version>\"", out, err)
	}
	if err := exec.Command(bin, "--bogus").Run(); err == nil {
		t.Errorf("plugin accepted an unknown command-line argument")
	}
}

// TestProtoc runs the real toolchain as the user guide does: protoc with protoc-gen-go and
// protoc-gen-gorums in a package of a fresh module that uses this module, then go build.
// protoc 3.21 has no editions, so only proto3 files go through it.
func TestProtoc(t *testing.T) {
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		t.Skip("protoc is not on PATH (install protobuf-compiler); the in-process tests cover the generator without it")
	}
	root, err := filepath.Abs(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	buildPlugin(t, bin)
	// protoc-gen-go at the version this module requires, so the test does not depend on PATH.
	goBuild(t, root, "-o", filepath.Join(bin, "protoc-gen-go"), "google.golang.org/protobuf/cmd/protoc-gen-go")

	mod := filepath.Join(tmp, "mod")
	writeFile(t, filepath.Join(mod, "go.mod"), "module example.com/protoctest\n\ngo "+moduleGoVersion(t)+
		"\n\nrequire github.com/quorumcall/gorums v0.0.0\n\nreplace github.com/quorumcall/gorums => "+root+"\n")
	writeFile(t, filepath.Join(mod, "go.sum"), readFile(t, filepath.Join(root, "go.sum")))
	for _, name := range protoFiles(t) {
		if strings.Contains(readFile(t, filepath.Join("testdata", name)), "\nedition = ") {
			continue // protoc before 27 rejects editions; the in-process tests cover them
		}
		pkg := filepath.Join(mod, trimProto(name))
		writeFile(t, filepath.Join(pkg, name), readFile(t, filepath.Join("testdata", name)))
		writeFile(t, filepath.Join(pkg, "usage.go"), readFile(t, filepath.Join("testdata", "usage", trimProto(name)+".go")))
		cmd := exec.Command(protoc, "-I="+root+string(os.PathListSeparator)+".",
			"--plugin=protoc-gen-go="+filepath.Join(bin, "protoc-gen-go"),
			"--plugin=protoc-gen-gorums="+filepath.Join(bin, "protoc-gen-gorums"),
			"--go_out=paths=source_relative:.", "--gorums_out=paths=source_relative:.", name)
		cmd.Dir = pkg
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("protoc %s: %v\n%s", name, err, stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("protoc %s printed %q; the plugins should be silent on success", name, stderr.String())
		}
		out := filepath.Join(pkg, trimProto(name)+"_gorums.pb.go")
		golden := filepath.Join("testdata", "golden", trimProto(name)+".golden")
		if got, want := readFile(t, out), readFile(t, golden); got != want {
			t.Errorf("protoc's %s differs from %s (made in-process)\n%s", filepath.Base(out), golden, firstDifference(got, want))
		}
	}
	// This needs the runtime in the module root to provide the API testdata/runtimestub declares.
	goBuild(t, mod, "./...")
}
