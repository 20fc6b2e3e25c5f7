// Package calltypes tests the Gorums runtime through generated code for every call type and
// option: ordered RPC, unicast, multicast, quorum call, async quorum call, correctable and
// correctable stream, with per_node_arg and custom_return_type where they apply.
//
// calltypes.proto is gen/testdata/calltypes.proto with this package's go_package and a few
// more message fields for the tests (sequence numbers, quorum sizes, stream lengths). The
// generated files are committed; gen's TestGeneratedCodeIsCurrent checks that they are what
// our plugin makes of the .proto today. To regenerate them (and every other package's):
//
//	go run ./gen/internal/regen
//
// server.go holds the test server, which records the order in which every request arrives and
// whose handlers can be told to wait, fail or send several stream replies; qspec.go holds the
// quorum functions. The tests themselves are in the _test.go files.
//
// Concurrency: a Server's state (its arrivals) is guarded by its mutex and its methods are
// safe for concurrent use; its Behavior is fixed at construction. QSpec holds no state, so its
// quorum functions may run on any number of collectors at once.
package calltypes

//go:generate go run github.com/quorumcall/gorums/cmd/gorums-gen calltypes.proto
