// Package proto is the Register service of the atomic register example: the protobuf
// messages (register.pb.go, by protoc-gen-go) and the Gorums client and server API
// (register_gorums.pb.go, by protoc-gen-gorums), generated from register.proto.
//
// The generated code is committed; regenerate it from this directory with go generate,
// which runs cmd/gorums-gen (no protoc needed).
package proto

//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen register.proto
