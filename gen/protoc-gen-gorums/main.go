// Command protoc-gen-gorums is the protoc plugin that generates Gorums clients and servers.
// Run it through protoc:
//
//	protoc -I=$(go list -m -f {{.Dir}} github.com/quorumcall/gorums):. \
//		--go_out=paths=source_relative:. \
//		--gorums_out=paths=source_relative:. \
//		storage.proto
//
// For each .proto file with a service it writes <name>_gorums.pb.go beside protoc-gen-go's
// <name>.pb.go. The code generation lives in package gen.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/quorumcall/gorums/gen"
	"google.golang.org/protobuf/compiler/protogen"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("protoc-gen-gorums", version())
		return
	}
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "protoc-gen-gorums: this is a protoc plugin; run it through protoc with --gorums_out (or pass --version)")
		os.Exit(2)
	}
	protogen.Options{ParamFunc: gen.Param}.Run(gen.Generate)
}

// version is the module version the plugin was built from: a release tag when installed
// with go install ...@version, a pseudo-version or "(devel)" otherwise.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
