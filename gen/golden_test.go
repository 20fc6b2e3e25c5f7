package gen

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGolden generates each testdata/*.proto on its own and compares the output with
// testdata/golden/<name>.golden. Run with -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	for _, name := range protoFiles(t) {
		t.Run(name, func(t *testing.T) {
			resp := run(t, compileRequest(t, nil, "paths=source_relative", name))
			checkFeatures(t, resp)
			if resp.Error != nil {
				t.Fatalf("generator refused %s: %s", name, resp.GetError())
			}
			if len(resp.File) != 1 {
				t.Fatalf("got %d files, want 1", len(resp.File))
			}
			f := resp.File[0]
			if want := trimProto(name) + "_gorums.pb.go"; f.GetName() != want {
				t.Errorf("file name = %q, want %q", f.GetName(), want)
			}
			golden := filepath.Join("testdata", "golden", trimProto(name)+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(f.GetContent()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := readFile(t, golden); f.GetContent() != want {
				t.Errorf("output differs from %s; run go test ./gen -run TestGolden -update and review the diff\n%s",
					golden, firstDifference(f.GetContent(), want))
			}
		})
	}
}
