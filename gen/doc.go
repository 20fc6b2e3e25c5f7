// Package gen is the code generator behind protoc-gen-gorums. Given the request protoc
// sends a plugin, Generate writes <name>_gorums.pb.go for every .proto file that declares a
// service: the typed Manager, Configuration and Node, the QuorumSpec interface, one client
// method per rpc according to its Gorums method option (DESIGN §3), and the server interface
// with its Register function. The generated code calls the runtime in the module root.
//
// The package owns:
//   - reading the method options of gorums.proto from the options' wire form (options.go),
//     so the plugin links neither the runtime nor gRPC;
//   - deciding each method's call type and refusing option combinations, names and
//     streaming that make no sense (calltype.go, method.go, service.go, names.go,
//     gopackage.go);
//   - the templates of the generated file (tmpl_*.go) and writing it (write.go).
//
// Generation is a pure function of the request: it starts no goroutines, keeps no state
// between calls, and iterates only over slices, so its output is byte-for-byte stable.
// Generate may be called concurrently on different plugins.
package gen
