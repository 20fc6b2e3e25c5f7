// Package storage is the generated Gorums API of the storage example's service (storage.proto):
// the protobuf messages State, ReadRequest and WriteResponse (a State and a ReadRequest name
// the key of their register), the typed Manager, Configuration and Node, the QuorumSpec
// interface, and the Storage server interface with RegisterStorageServer.
//
// Node.Read and Node.Write are ordered RPCs to one node; Configuration.ReadQC and
// Configuration.WriteQC are quorum calls whose results come from the QuorumSpec's ReadQCQF
// and WriteQCQF; Configuration.WriteMulticast sends a write to every node without replies.
//
// The package starts no goroutines of its own: the Manager's node actors and the Server's
// receive loops belong to the Gorums runtime, and every method here is safe for concurrent
// use as the runtime's are. Configurations are immutable.
//
// The .pb.go files are generated and committed. To regenerate them after editing
// storage.proto, run go generate in this directory: it runs cmd/gorums-gen, which needs no
// protoc. go run ./gen/internal/regen in the module root regenerates every package.
package storage

//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen storage.proto
