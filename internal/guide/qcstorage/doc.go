// Package gorumsexample holds the user guide's QCStorage service (quorum calls), the guide's
// server, QuorumSpec and client code with our module path, and tests that run the guide's
// flows, configurations c1 to c6 and the Release() handler against servers on loopback. The
// generated code is committed; regenerate it with
//
//	go run ./gen/internal/regen
//
// It starts no goroutine of its own; its servers are gorums.Servers.
package gorumsexample
