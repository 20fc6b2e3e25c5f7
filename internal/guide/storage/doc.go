// Package gorumsexample holds the user guide's Storage service (ordered RPCs), its code as the
// guide gives it with our module path, and tests that run the guide's client flows against
// servers on loopback. The generated code is committed; regenerate it with
//
//	go run ./gen/internal/regen
//
// It starts no goroutine of its own; its servers are gorums.Servers.
package gorumsexample
