// Package storage is the generated Gorums API of the storage example's service (storage.proto):
// the protobuf messages State, ReadRequest and WriteResponse, the typed Manager,
// Configuration and Node, the QuorumSpec interface, and the Storage server interface with
// RegisterStorageServer.
//
// Node.Read and Node.Write are ordered RPCs to one node; Configuration.ReadQC and
// Configuration.WriteQC are quorum calls whose results come from the QuorumSpec's ReadQCQF
// and WriteQCQF.
//
// The package starts no goroutines of its own: the Manager's node actors and the Server's
// stream actors belong to the Gorums runtime, and every method here is safe for concurrent
// use as the runtime's are. Configurations are immutable.
//
// The .pb.go files are generated and committed. To regenerate them after editing
// storage.proto, with protoc and protoc-gen-go installed and $(go env GOPATH)/bin on PATH,
// run go generate in this directory: it installs this module's protoc-gen-gorums and runs
// protoc with the module root on the include path (for gorums.proto). Without protoc,
// go run ./gen/internal/regen in the module root does the same in-process.
package storage

//go:generate go install github.com/quorumcall/gorums/gen/protoc-gen-gorums
//go:generate protoc -I=../../..:. --go_out=paths=source_relative:. --gorums_out=paths=source_relative:. storage.proto
