// Command protoc-gen-gorums is the protoc plugin that generates Gorums clients and servers,
// the same as gen/protoc-gen-gorums, at the path the user guide installs it from:
//
//	go install github.com/quorumcall/gorums/cmd/protoc-gen-gorums@latest
//
// Run it through protoc with --gorums_out; see gen/protoc-gen-gorums.
package main

import "github.com/quorumcall/gorums/gen"

func main() { gen.RunPlugin() }
