package gen

import (
	"go/format"
	"slices"
	"testing"
)

// TestStableOutput generates the test protos many times, with the files to generate in
// every rotation, and expects byte-equal output: nothing depends on map iteration order,
// on the order files are named in, or on the machine.
func TestStableOutput(t *testing.T) {
	names := protoFiles(t)
	// calltypes.proto and editions.proto live in different Go packages, so they can be
	// generated in one run; the two storage files share a package and cannot.
	batch := []string{"calltypes.proto", "editions.proto", "storage.proto"}
	first := generate(t, nil, "paths=source_relative", batch...)
	for i := range 10 {
		order := append(slices.Clone(batch[i%len(batch):]), batch[:i%len(batch)]...)
		if i%2 == 1 {
			slices.Reverse(order)
		}
		again := generate(t, nil, "paths=source_relative", order...)
		if len(again) != len(first) {
			t.Fatalf("run %d (%v): %d files, first run had %d", i, order, len(again), len(first))
		}
		for name, content := range first {
			if again[name] != content {
				t.Fatalf("run %d (%v): %s differs from the first run\n%s", i, order, name, firstDifference(again[name], content))
			}
		}
	}
	for _, name := range names {
		alone := generate(t, nil, "paths=source_relative", name)
		out := trimProto(name) + "_gorums.pb.go"
		if want, ok := first[out]; ok && alone[out] != want {
			t.Errorf("%s generated alone differs from %s generated with others\n%s", out, name, firstDifference(alone[out], want))
		}
	}
}

// TestGofmtClean checks every golden file is exactly what gofmt would print.
func TestGofmtClean(t *testing.T) {
	for _, name := range protoFiles(t) {
		golden := "testdata/golden/" + trimProto(name) + ".golden"
		src := readFile(t, golden)
		formatted, err := format.Source([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", golden, err)
		}
		if string(formatted) != src {
			t.Errorf("%s is not gofmt-clean\n%s", golden, firstDifference(src, string(formatted)))
		}
	}
}
