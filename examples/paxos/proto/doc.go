// Package proto is the Paxos service of the replicated log example: the protobuf messages
// (paxos.pb.go, by protoc-gen-go) and the Gorums client and server API (paxos_gorums.pb.go,
// by protoc-gen-gorums), generated from paxos.proto.
//
// The generated code is committed; regenerate it from this directory with go generate,
// which runs cmd/gorums-gen (no protoc needed).
package proto

//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen paxos.proto
