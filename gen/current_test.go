// The test of committed generated code lives in package gen_test because it uses
// gen/internal/pipeline, which imports package gen.
package gen_test

import (
	"testing"

	"github.com/quorumcall/gorums/gen/internal/pipeline"
)

// TestGeneratedCodeIsCurrent checks that every <name>_gorums.pb.go committed in the module,
// protoc-gen-go's <name>.pb.go beside it, and the root's gorums.pb.go, is what gorums-gen
// generates from <name>.proto with this generator and the protobuf-go version of go.mod. It
// runs the pipeline of go run ./gen/internal/regen in-process, so it needs no protoc. A
// protobuf-go upgrade fails it (protoc-gen-go's header names its version) until the code is
// regenerated.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	root, err := pipeline.FindModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	targets, err := pipeline.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) == 0 {
		t.Fatalf("found no committed *_gorums.pb.go below %s; discovery is broken", root)
	}
	for _, target := range targets {
		t.Run(target.String(), func(t *testing.T) {
			t.Parallel()
			files, err := pipeline.Generate(root, target)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Current() {
					continue
				}
				t.Errorf("%s is not current:\n%s\nregenerate it by running, in the module root,\n\t%s\nor\n\t%s",
					f.Path, pipeline.Diff(f.Have, f.Want, 10), pipeline.RegenCommand, target.GenCommand())
			}
		})
	}
}
