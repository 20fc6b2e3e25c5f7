// Storage is the Gorums user guide's storage service as a runnable program: {value,
// timestamp} registers by key, replicated on several servers, written and read with quorum
// calls by an interactive client. The service and its generated API are in the proto
// subdirectory (package storage).
//
// Usage:
//
//	go run ./examples/storage                        # a demo: 3 servers in this process, some stopped and restarted
//	go run ./examples/storage -server 127.0.0.1:8080 # one server, until SIGINT or SIGTERM
//	go run ./examples/storage -connect 127.0.0.1:8080,127.0.0.1:8081,127.0.0.1:8082
//	printf 'write k v\nread k\n' | go run ./examples/storage -connect ...
//
// -connect starts the interactive client as soon as a quorum (a majority) of the servers is
// reachable; the others join when they come up. It reads commands from the terminal (with a
// prompt) or from a pipe, one per line: write KEY VALUE and read KEY are quorum calls on all
// the servers; rpc N read KEY and rpc N write KEY VALUE are ordered RPCs on node N; mcast KEY
// VALUE is a multicast; cfg N,M,... read KEY (or write) is a quorum call on the configuration
// of those nodes; nodes prints each node's state, latency and last error; help; quit. It ends
// at quit or at the end of the input, with status 1 if a command failed. Ctrl-C interrupts a
// command that waits (for a hung server, say), or, between commands, ends the client.
// Servers may be stopped and restarted while the client runs: it reconnects by itself.
//
// With no -server or -connect, the program runs a demo: three servers in this process and a
// script of the client's commands, narrated: quorum writes and reads; one server stopped, and
// a quorum of two still answering; two stopped, and no quorum; each restarted, empty, and the
// newest value still read. It exits 0 if every step turned out as narrated.
//
// Logs go to stderr through zap's console format: warnings and errors by default, -v adds
// node and stream lifecycle (Info), -debug each call's trace, -quiet nothing. Log lines are
// held and written between commands, never between a command and its result.
//
// Files: main.go parses the flags and picks the mode; server.go is the server (the Storage
// implementation, the -server mode and the demo's in-process cluster); qspec.go holds the
// quorum functions; client.go the client's commands; repl.go the -connect mode's loop;
// demo.go the demo; console.go the output and the held log lines.
//
// Goroutines: each server's Serve runs on its own goroutine (waited for by cluster.stopAll or
// serve); the Gorums runtime runs the node actors, collectors and receive loops. The client's
// commands run on the caller's goroutine, one at a time; a reader goroutine feeds it input
// lines and ends at the end of the input or when the loop returns; a watcher goroutine per
// command (and per wait for a quorum) turns an interrupt into the end of its context.
// storageServer guards its registers with a mutex because handlers of different clients run
// concurrently; the console guards its output with a mutex because zap writes from the
// runtime's goroutines; the cluster and client types are used from one goroutine only.
package main
