// Package proto is the Register service of the atomic register example: the protobuf
// messages (register.pb.go, by protoc-gen-go) and the Gorums client and server API
// (register_gorums.pb.go, by protoc-gen-gorums), generated from register.proto.
//
// The generated code is committed; regenerate it from this directory with go generate,
// which needs protoc, protoc-gen-go and a protoc-gen-gorums built from gen/protoc-gen-gorums
// on the PATH (or passed with --plugin).
package proto

//go:generate protoc -I=../../..:. --go_out=paths=source_relative:. --gorums_out=paths=source_relative:. register.proto
