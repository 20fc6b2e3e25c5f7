// Storage is the Gorums user guide's storage service as a runnable program: a register of
// one {value, timestamp} state replicated on several servers, written and read with quorum
// calls. The service and its generated API are in the proto subdirectory (package storage).
//
// Usage:
//
//	go run ./examples/storage                       # 3 servers in this process and a client session
//	go run ./examples/storage -server 127.0.0.1:8080 # one server, until SIGINT or SIGTERM
//	go run ./examples/storage -connect 127.0.0.1:8080,127.0.0.1:8081,127.0.0.1:8082
//
// With no -server or -connect, the program listens on three loopback ports, runs the session
// (quorum writes and reads, each node's state read with an ordered RPC, then one server
// stopped and a majority still answering), closes its manager, stops the servers and exits.
// -connect runs the same session against running servers, without stopping any. The
// session's narrative goes to stdout; logs go to stderr through zap's development logger at
// Info level (-debug adds each call's trace, -quiet turns logging off).
//
// Files: server.go is the server (the Storage implementation, a server run until a signal,
// and the in-process cluster), qspec.go the quorum functions, client.go the session.
//
// Goroutines: each server's Serve runs on its own goroutine (waited for by cluster.stopAll or
// serve); the Gorums runtime runs the node, collector and stream actors. The session runs on
// the caller's goroutine. storageServer guards its state with a mutex because handlers of
// different clients run concurrently; the cluster type is used from one goroutine only.
package main
