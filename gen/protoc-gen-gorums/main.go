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

import "github.com/quorumcall/gorums/gen"

func main() { gen.RunPlugin() }
