// Package gen is the code generator behind protoc-gen-gorums and cmd/gorums-gen. Given the
// request protoc sends a plugin, Generate writes <name>_gorums.pb.go for every .proto file that
// declares a service: the typed Manager, Configuration and Node, ConfigurationFromRaw, the
// QuorumSpec interface and the handle types of asynchronous and correctable calls, one client
// method per rpc according to its Gorums method option, and the server interface with its
// Register function. The generated code calls the runtime in the module root.
//
// The package owns:
//   - reading the method options of gorums.proto from the options' wire form (options.go),
//     so the plugin links neither the runtime nor gRPC;
//   - the call type table (calltype.go): one row per call type with the options that select
//     it, the modifiers and streaming it allows, its receiver, its client and server
//     templates, its runtime entry point and handler. Classifying a method is a lookup in the
//     table; a combination no row accepts is an error, never a silent quorum call;
//   - refusing names that would clash (names.go): two rpcs of one Go name, the methods and
//     fields the generated Node, Configuration and Manager already have, a list that
//     TestReservedNames keeps equal to the generated types' method sets, and the
//     package-level names the file declares, against those protoc-gen-go declares in the Go
//     package (messages, enums, enum value constants, oneof wrapper types, ...) and, for the
//     service's name, against the file's own;
//   - the templates of the generated file (tmpl_*.go) and writing it (write.go), with imports
//     named as protogen names them but clear of the package's names and the templates'
//     locals, so that no receiver or parameter (n, ctx, ...) hides an imported package.
//
// cmd/gorums-gen runs Generate without protoc, beside protoc-gen-go's generator, through
// package internal/gorumsgen, whose doc says why it runs protoc-gen-go in-process and which
// tests keep that honest.
//
// Generation is a pure function of the request: it starts no goroutines, keeps no state
// between calls, and iterates only over slices and sorted map keys, so its output is
// byte-for-byte stable. Generate may be called concurrently on different plugins.
package gen
