package calltypes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestGeneratedCodeIsCurrent regenerates calltypes.proto with the plugin built from this
// repository and protoc-gen-go at the module's version, and checks that the committed files
// are what they make. It needs protoc (.ci/run installs it); without protoc it is skipped,
// except when CI is set in the environment, where it fails.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin and runs protoc")
	}
	t.Parallel() // mostly waiting for the go tool and protoc
	protoc, err := exec.LookPath("protoc")
	if err != nil {
		missingTool(t, "protoc")
	}
	tmp := t.TempDir()
	plugin := filepath.Join(tmp, "protoc-gen-gorums")
	goGen := filepath.Join(tmp, "protoc-gen-go")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	for _, build := range [][]string{
		{"build", "-o", plugin, "../../gen/protoc-gen-gorums"},
		// protoc-gen-go at the version this module requires, so PATH does not matter.
		{"build", "-o", goGen, "google.golang.org/protobuf/cmd/protoc-gen-go"},
	} {
		if out, err := exec.Command(goBin, build...).CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", build, err, out)
		}
	}
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(protoc, "-I=../..:.",
		"--plugin=protoc-gen-gorums="+plugin, "--plugin=protoc-gen-go="+goGen,
		"--go_out=paths=source_relative:"+out, "--gorums_out=paths=source_relative:"+out,
		"calltypes.proto")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, b)
	}
	for _, name := range []string{"calltypes_gorums.pb.go", "calltypes.pb.go"} {
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "calltypes.pb.go" {
			// protoc-gen-go writes protoc's version into its header; it may differ
			// between machines without the code being stale.
			committed, fresh = dropVersionLines(committed), dropVersionLines(fresh)
		}
		if !bytes.Equal(committed, fresh) {
			t.Errorf("%s is not current: run go generate in internal/calltypes\n%s", name, firstDiff(string(fresh), string(committed)))
		}
	}
}

func missingTool(t *testing.T, tool string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not on PATH", tool)
	}
	t.Skipf("%s is not on PATH", tool)
}

func dropVersionLines(b []byte) []byte {
	var keep []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "// \tprotoc ") {
			continue
		}
		keep = append(keep, line)
	}
	return []byte(strings.Join(keep, "\n"))
}

func firstDiff(got, want string) string {
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
			return "line " + strconv.Itoa(i+1) + ":\n generated: " + gl + "\n committed: " + wl
		}
	}
	return "no line differs"
}
