// Package gorumsgen does what protoc does with protoc-gen-go and protoc-gen-gorums, in
// process and without either installed: it compiles .proto files with
// github.com/bufbuild/protocompile, builds the request protoc would send its plugins, runs
// protoc-gen-go's generator (internal_gengo, at the version of google.golang.org/protobuf
// that the module builds with) and the Gorums generator (package gen) on it, and writes their
// files. cmd/gorums-gen is its command line; gen/internal/regen uses it to regenerate the
// module's own code, and the tests compare it with the real protoc.
//
// The well-known types and gorums.proto need no -I: an import that no import path has is
// looked up among them (gorums.proto is the one this module's root package was generated
// from), so a file written for Gorums v0.7 (import "gorums.proto") compiles unchanged.
//
// The output is protoc's byte for byte, but for one line: protoc-gen-go's header records the
// compiler version protoc reports, and here there is no protoc, so it reads
// "protoc        (unknown)", as it does for buf.
//
// Why protoc-gen-go's generator runs in-process. It is the package
// google.golang.org/protobuf/cmd/protoc-gen-go/internal_gengo, which protobuf-go exports for
// protoc-gen-go's main and does not promise to keep stable. The alternative, running a
// protoc-gen-go found on PATH, needs an install step, and its version is whatever was
// installed last, not necessarily that of the protobuf runtime the module links, which the
// generated code must match. In-process, the generator is by construction the version go.mod
// selects, and go run works offline from the module cache. We keep it, pinned by go.mod, and
// pay for it with tests: a protobuf-go release that changes the package's API makes gorums-gen
// fail to build (loudly, not silently); one that changes its output fails
// TestProtocGenGoPinned here (a golden file of every protobuf feature),
// TestGeneratedCodeIsCurrent in package gen (the module's committed code) and, where protoc is
// installed, TestIdenticalToProtoc in cmd/gorums-gen (against protoc-gen-go built from the
// same version), so the change is reviewed before it reaches anyone's files.
//
// Functions of this package are safe to call concurrently; the compiler runs goroutines of
// its own that end before Compile returns.
package gorumsgen
