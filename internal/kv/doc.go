// Package kv is the generated Gorums API of the KV service (kv.proto), the service of the
// runnable examples of package gorums (example_test.go in the module root): versioned values
// by key, read and written with a quorum call, an asynchronous quorum call, a correctable call
// and a multicast, and WaitFor, whose handler shows ServerCtx.Release.
//
// The package starts no goroutines of its own; its methods are safe for concurrent use as the
// runtime's are. The .pb.go files are generated and committed; after editing kv.proto, run
// go run ./gen/internal/regen in the module root.
package kv
