// Package testservice is a small Gorums service for the integration tests of the runtime and
// for the lifecycle tests of package leaktests: one ordered RPC (Ordered) and one quorum call
// (Quorum), generated from testservice.proto with our plugin, plus test helpers (helpers.go).
//
// Regenerate with, inside this directory:
//
//	go build -o /tmp/protoc-gen-gorums ../../gen/protoc-gen-gorums
//	protoc -I=../..:. --plugin=protoc-gen-gorums=/tmp/protoc-gen-gorums \
//	  --go_out=paths=source_relative:. --gorums_out=paths=source_relative:. testservice.proto
//
// The helpers start real servers on loopback listeners and tear them down with t.Cleanup. A
// Handlers value serves the service with the functions it holds; its methods are safe for
// concurrent use as far as those functions are. A Srv's Stop may be called from any goroutine,
// more than once.
package testservice
