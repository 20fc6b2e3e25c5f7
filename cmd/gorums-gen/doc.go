// Command gorums-gen generates the Go code of Gorums services without protoc: it compiles
// .proto files in-process and writes, for each, protoc-gen-go's <name>.pb.go and, for files
// with a service, protoc-gen-gorums's <name>_gorums.pb.go.
//
//	gorums-gen [-I dir]... [-paths source_relative | -paths import | -module prefix] [-out dir] file.proto...
//
// Run it with go run, for instance from a go:generate line beside storage.proto:
//
//	//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen storage.proto
//
// or install it with go install github.com/quorumcall/gorums/cmd/gorums-gen@latest, or make it
// a tool of your module (go get -tool github.com/quorumcall/gorums/cmd/gorums-gen) and run it
// with go tool gorums-gen.
//
// The flags mean what protoc's do: -I adds an import path (the default is the current
// directory), -paths and -module are protoc-gen-go's options of those names, and -out is the
// output directory (the default is the current directory). Unlike protoc-gen-go's, the
// default is -paths source_relative, which writes the files beside the .proto file, where a
// generate directive wants them; -paths import writes them under their Go import path.
//
// The well-known types (google/protobuf/*.proto) and gorums.proto need no -I, so files
// written for Gorums v0.7 (import "gorums.proto") compile unchanged. The output is what protoc
// with protoc-gen-go (at the version of google.golang.org/protobuf your module builds with)
// and protoc-gen-gorums would write, byte for byte, except that protoc-gen-go's header names
// no protoc version: it reads "protoc        (unknown)". The work is done by package
// internal/gorumsgen.
//
// When it succeeds, gorums-gen prints only the compiler's warnings (an unused import, ...), if
// any, to standard error. Errors go there too, those in .proto files as file:line:col:
// message, and the exit status is 1 (2 for a wrong command line). Nothing is written unless
// every file compiles and generates. As protoc does, it refuses a file that an earlier import
// path shadows (-I a -I b b/x.proto, when a/x.proto exists, would compile a/x.proto).
package main
