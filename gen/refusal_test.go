package gen

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/compiler/protogen"
)

// serviceProto is a proto3 file "svc.proto" of Go package example.com/svc with the given
// service body and extra declarations, and the messages Req and Resp.
func serviceProto(service, extra string) map[string]string {
	return namedServiceProto("Svc", service, extra)
}

// namedServiceProto is serviceProto with the service called name.
func namedServiceProto(name, service, extra string) map[string]string {
	return map[string]string{"svc.proto": `syntax = "proto3";
package svc;
option go_package = "example.com/svc;svc";
import "gorums.proto";
service ` + name + ` {
` + service + `
}
message Req {}
message Resp {}
` + extra}
}

// rpc declares method name with the given options ("unicast", "async", ...) set to true,
// plus any raw option statements.
func rpc(name, in, out string, opts ...string) string {
	var b strings.Builder
	b.WriteString("  rpc " + name + "(" + in + ") returns (" + out + ") {\n")
	for _, o := range opts {
		if strings.Contains(o, "=") {
			b.WriteString("    option " + o + ";\n")
		} else {
			b.WriteString("    option (gorums." + o + ") = true;\n")
		}
	}
	b.WriteString("  }")
	return b.String()
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name    string
		sources map[string]string
		want    string
	}{
		{
			name: "two services in one file",
			sources: map[string]string{"two.proto": `syntax = "proto3";
package two;
option go_package = "example.com/two";
service A { rpc M(Req) returns (Req); }
service B { rpc M(Req) returns (Req); }
message Req {}`},
			want: "two.proto:5:1: 2 services (A, B): Gorums generates one Manager, Configuration and QuorumSpec per file, so a file may declare only one service",
		},
		{
			name:    "message named Configuration",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message Configuration {}"),
			want:    "svc.proto:11:1: message svc.Configuration: its Go name Configuration clashes with the Configuration generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "message named Manager",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message Manager {}"),
			want:    "svc.proto:11:1: message svc.Manager: its Go name Manager clashes with the Manager generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "message named Node",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message Node {}"),
			want:    "svc.proto:11:1: message svc.Node: its Go name Node clashes with the Node generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "message named QuorumSpec",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message QuorumSpec {}"),
			want:    "svc.proto:11:1: message svc.QuorumSpec: its Go name QuorumSpec clashes with the QuorumSpec generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "message named like the Register function",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message RegisterSvcServer {}"),
			want:    "svc.proto:11:1: message svc.RegisterSvcServer: its Go name RegisterSvcServer clashes with the RegisterSvcServer generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "nested enum whose Go name is Node",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message Outer {}\nenum Node { NODE_UNKNOWN = 0; }"),
			want:    "svc.proto:12:1: enum svc.Node: its Go name Node clashes with the Node generated for service Svc in svc.proto; rename the enum",
		},
		{
			name:    "message named like an Async handle type",
			sources: serviceProto(rpc("M", "Req", "Resp", "quorumcall", "async"), "message AsyncResp {}"),
			want:    "svc.proto:13:1: message svc.AsyncResp: its Go name AsyncResp clashes with the AsyncResp generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "message named like a Correctable handle type",
			sources: serviceProto(rpc("M", "Req", "Resp", "correctable"), "message CorrectableResp {}"),
			want:    "svc.proto:12:1: message svc.CorrectableResp: its Go name CorrectableResp clashes with the CorrectableResp generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "message named like a CorrectableStream handle type",
			sources: serviceProto(rpc("M", "Req", "stream Resp", "correctable"), "message CorrectableStreamResp {}"),
			want:    "svc.proto:12:1: message svc.CorrectableStreamResp: its Go name CorrectableStreamResp clashes with the CorrectableStreamResp generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "async without quorumcall",
			sources: serviceProto(rpc("M", "Req", "Resp", "async"), ""),
			want:    "svc.proto:6:3: Svc.M: option async requires option quorumcall",
		},
		{
			name:    "async on correctable",
			sources: serviceProto(rpc("M", "Req", "Resp", "correctable", "async"), ""),
			want:    "svc.proto:6:3: Svc.M: option async requires option quorumcall",
		},
		{
			name:    "two call types",
			sources: serviceProto(rpc("M", "Req", "Resp", "multicast", "quorumcall"), ""),
			want:    "svc.proto:6:3: Svc.M: options multicast and quorumcall are set, but a method has exactly one call type",
		},
		{
			name:    "rpc and unicast",
			sources: serviceProto(rpc("M", "Req", "Resp", "rpc", "unicast"), ""),
			want:    "svc.proto:6:3: Svc.M: options rpc and unicast are set, but a method has exactly one call type",
		},
		{
			name:    "server stream on a quorum call",
			sources: serviceProto(rpc("M", "Req", "stream Resp", "quorumcall"), ""),
			want:    "svc.proto:6:3: Svc.M: a quorum call cannot have a server-streaming output; only correctable methods may return a stream",
		},
		{
			name:    "server stream on an ordered RPC",
			sources: serviceProto(rpc("M", "Req", "stream Resp"), ""),
			want:    "svc.proto:6:3: Svc.M: an ordered RPC cannot have a server-streaming output; only correctable methods may return a stream",
		},
		{
			name:    "client stream on a correctable",
			sources: serviceProto(rpc("M", "stream Req", "Resp", "correctable"), ""),
			want:    "svc.proto:6:3: Svc.M: a correctable quorum call cannot have a client-streaming input; only multicast methods may take a stream (and send one message per call)",
		},
		{
			name:    "bidirectional stream",
			sources: serviceProto(rpc("M", "stream Req", "stream Resp", "correctable"), ""),
			want:    "svc.proto:6:3: Svc.M: a correctable stream quorum call cannot have a client-streaming input; only multicast methods may take a stream (and send one message per call)",
		},
		{
			name:    "client stream on an ordered RPC",
			sources: serviceProto(rpc("M", "stream Req", "Resp"), ""),
			want:    "svc.proto:6:3: Svc.M: an ordered RPC cannot have a client-streaming input; only multicast methods may take a stream (and send one message per call)",
		},
		{
			name:    "bidirectional stream on a multicast",
			sources: serviceProto(rpc("M", "stream Req", "stream Resp", "multicast"), ""),
			want:    "svc.proto:6:3: Svc.M: a multicast cannot have a server-streaming output; only correctable methods may return a stream",
		},
		{
			name:    "custom_return_type naming no message",
			sources: serviceProto(rpc("M", "Req", "Resp", "quorumcall", `(gorums.custom_return_type) = "Missing"`), ""),
			want:    `svc.proto:6:3: Svc.M: custom_return_type "Missing" names no message of Go package example.com/svc (give the Go name of a message in that package)`,
		},
		{
			name:    "custom_return_type naming a message of another package",
			sources: serviceProto(rpc("M", "Req", "Resp", "quorumcall", `(gorums.custom_return_type) = "Empty"`), `import "google/protobuf/empty.proto";`),
			want:    `svc.proto:6:3: Svc.M: custom_return_type "Empty" names no message of Go package example.com/svc (give the Go name of a message in that package)`,
		},
		{
			name:    "custom_return_type on multicast",
			sources: serviceProto(rpc("M", "Req", "Resp", "multicast", `(gorums.custom_return_type) = "Req"`), ""),
			want:    "svc.proto:6:3: Svc.M: option custom_return_type does not apply to a multicast (only to quorumcall and correctable methods)",
		},
		{
			name:    "custom_return_type on ordered RPC",
			sources: serviceProto(rpc("M", "Req", "Resp", `(gorums.custom_return_type) = "Req"`), ""),
			want:    "svc.proto:6:3: Svc.M: option custom_return_type does not apply to an ordered RPC (only to quorumcall and correctable methods)",
		},
		{
			name:    "per_node_arg on unicast",
			sources: serviceProto(rpc("M", "Req", "Resp", "unicast", "per_node_arg"), ""),
			want:    "svc.proto:6:3: Svc.M: option per_node_arg does not apply to a unicast (only to multicast, quorumcall and correctable methods)",
		},
		{
			name:    "per_node_arg on ordered RPC",
			sources: serviceProto(rpc("M", "Req", "Resp", "per_node_arg"), ""),
			want:    "svc.proto:6:3: Svc.M: option per_node_arg does not apply to an ordered RPC (only to multicast, quorumcall and correctable methods)",
		},
		{
			name: "one handle type for two result types",
			sources: serviceProto(rpc("A", "Req", "google.protobuf.Empty", "quorumcall", "async")+"\n"+rpc("B", "Req", "Empty", "quorumcall", "async"),
				"import \"google/protobuf/empty.proto\";\nmessage Empty {}"),
			want: "svc.proto:10:3: Svc.B: its result example.com/svc.Empty and the result google.golang.org/protobuf/types/known/emptypb.Empty of A would both need the type AsyncEmpty; return one of them through a message of another name",
		},
		{
			name:    "rpc hiding a Node method",
			sources: serviceProto(rpc("ID", "Req", "Resp"), ""),
			want:    "svc.proto:6:3: Svc.ID: an ordered RPC is a method of Node, which already has a method ID; rename the rpc",
		},
		{
			name:    "rpc hiding a method the Node gets from the runtime",
			sources: serviceProto(rpc("WaitConnected", "Req", "Resp"), ""),
			want:    "svc.proto:6:3: Svc.WaitConnected: an ordered RPC is a method of Node, which already has a method WaitConnected; rename the rpc",
		},
		{
			name:    "multicast named like Configuration's embedded field",
			sources: serviceProto(rpc("RawConfiguration", "Req", "Resp", "multicast"), ""),
			want:    "svc.proto:6:3: Svc.RawConfiguration: a multicast is a method of Configuration, which already has a method RawConfiguration; rename the rpc",
		},
		{
			name:    "message named ConfigurationFromRaw",
			sources: serviceProto(rpc("M", "Req", "Resp"), "message ConfigurationFromRaw {}"),
			want:    "svc.proto:11:1: message svc.ConfigurationFromRaw: its Go name ConfigurationFromRaw clashes with the ConfigurationFromRaw generated for service Svc in svc.proto; rename the message",
		},
		{
			name:    "two rpcs of one Go name",
			sources: serviceProto(rpc("read", "Req", "Resp")+"\n"+rpc("Read", "Req", "Resp", "quorumcall"), ""),
			want:    "svc.proto:8:3: Svc.Read: rpcs read (svc.proto:6:3) and Read both have the Go name Read, so the generated code would declare it twice; rename one of them",
		},
		{
			name:    "two rpcs of one Go name by camel case",
			sources: serviceProto(rpc("ReadQc", "Req", "Resp")+"\n"+rpc("read_qc", "Req", "Resp", "multicast"), ""),
			want:    "svc.proto:8:3: Svc.ReadQc: rpcs ReadQc (svc.proto:6:3) and read_qc both have the Go name ReadQc, so the generated code would declare it twice; rename one of them",
		},
		{
			name:    "service named Manager",
			sources: namedServiceProto("Manager", rpc("M", "Req", "Resp"), ""),
			want:    "svc.proto:5:1: service svc.Manager: its server interface Manager, named like the service, clashes with the Manager generated for it; rename the service",
		},
		{
			name:    "service named Node",
			sources: namedServiceProto("Node", rpc("M", "Req", "Resp"), ""),
			want:    "svc.proto:5:1: service svc.Node: its server interface Node, named like the service, clashes with the Node generated for it; rename the service",
		},
		{
			name:    "service named NewManager",
			sources: namedServiceProto("NewManager", rpc("M", "Req", "Resp"), ""),
			want:    "svc.proto:5:1: service svc.NewManager: its server interface NewManager, named like the service, clashes with the NewManager generated for it; rename the service",
		},
		{
			name:    "service named QuorumSpec",
			sources: namedServiceProto("QuorumSpec", rpc("M", "Req", "Resp", "quorumcall"), ""),
			want:    "svc.proto:5:1: service svc.QuorumSpec: its server interface QuorumSpec, named like the service, clashes with the QuorumSpec generated for it; rename the service",
		},
		{
			name:    "service named like its handle type",
			sources: namedServiceProto("CorrectableResp", rpc("M", "Req", "Resp", "correctable"), ""),
			want:    "svc.proto:5:1: service svc.CorrectableResp: its server interface CorrectableResp, named like the service, clashes with the CorrectableResp generated for it; rename the service",
		},
		{
			name:    "service named like an enum value constant",
			sources: namedServiceProto("Color_RED", rpc("M", "Req", "Resp"), "enum Color { RED = 0; }"),
			want:    "svc.proto:5:1: service svc.Color_RED: its server interface Color_RED clashes with the constant Color_RED that protoc-gen-go declares for enum value svc.RED (svc.proto:11:14); rename the service",
		},
		{
			name:    "service named like a oneof wrapper type",
			sources: namedServiceProto("Msg_Req", rpc("M", "Req", "Resp"), "message Msg { oneof o { Req req = 1; } }"),
			want:    "svc.proto:5:1: service svc.Msg_Req: its server interface Msg_Req clashes with the wrapper type Msg_Req that protoc-gen-go declares for oneof field svc.Msg.req (svc.proto:11:25); rename the service",
		},
		{
			name:    "oneof wrapper type named like a handle type",
			sources: serviceProto(rpc("M", "Req", "Outer.Inner", "quorumcall", "async"), "message Outer { message Inner {} }\nmessage AsyncOuter { oneof o { Req inner = 1; } }"),
			want:    "svc.proto:14:32: oneof field svc.AsyncOuter.inner: its Go name AsyncOuter_Inner clashes with the AsyncOuter_Inner generated for service Svc in svc.proto; rename the oneof field",
		},
		{
			name:    "custom_return_type naming a map entry by Go name",
			sources: serviceProto(rpc("M", "Req", "Resp", "quorumcall", `(gorums.custom_return_type) = "WithMap_LabelsEntry"`), "message WithMap { map<string, string> labels = 1; }"),
			want:    `svc.proto:6:3: Svc.M: custom_return_type "WithMap_LabelsEntry" names the entry of a map field, which is not a message: it has no Go type (give the Go name of a message in that package)`,
		},
		{
			name:    "custom_return_type naming a map entry by full name",
			sources: serviceProto(rpc("M", "Req", "Resp", "quorumcall", `(gorums.custom_return_type) = "svc.WithMap.LabelsEntry"`), "message WithMap { map<string, string> labels = 1; }"),
			want:    `svc.proto:6:3: Svc.M: custom_return_type "svc.WithMap.LabelsEntry" names the entry of a map field, which is not a message: it has no Go type (give the Go name of a message in that package)`,
		},
		{
			name:    "quorum call hiding a Configuration method",
			sources: serviceProto(rpc("Nodes", "Req", "Resp", "quorumcall"), ""),
			want:    "svc.proto:6:3: Svc.Nodes: a quorum call is a method of Configuration, which already has a method Nodes; rename the rpc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := make([]string, 0, len(tt.sources))
			for name := range tt.sources {
				files = append(files, name)
			}
			if got := refusal(t, tt.sources, files...); got != tt.want {
				t.Errorf("error:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// TestRefusalListsEveryProblem shows one run reports all problems of a file, in
// declaration order, so users fix them in one go.
func TestRefusalListsEveryProblem(t *testing.T) {
	sources := serviceProto(rpc("A", "Req", "Resp", "async")+"\n"+rpc("B", "Req", "stream Resp", "multicast"), "message Manager {}")
	want := "svc.proto:6:3: Svc.A: option async requires option quorumcall\n" +
		"svc.proto:9:3: Svc.B: a multicast cannot have a server-streaming output; only correctable methods may return a stream\n" +
		"svc.proto:15:1: message svc.Manager: its Go name Manager clashes with the Manager generated for service Svc in svc.proto; rename the message"
	if got := refusal(t, sources, "svc.proto"); got != want {
		t.Errorf("error:\n got: %s\nwant: %s", got, want)
	}
}

// TestRefusalTwoServicesInOneGoPackage refuses two files that would generate into one Go
// package, and the clash of a message in one file with a name generated for the other.
func TestRefusalTwoServicesInOneGoPackage(t *testing.T) {
	sources := map[string]string{
		"a.proto": `syntax = "proto3"; package p; option go_package = "example.com/p";
service A { rpc M(ReqA) returns (ReqA); } message ReqA {}`,
		"b.proto": `syntax = "proto3"; package p; option go_package = "example.com/p";
service B { rpc M(ReqB) returns (ReqB); } message ReqB {}`,
	}
	want := "b.proto:2:1: declares a service, and so does a.proto of the same Go package example.com/p; Gorums generates one Manager per package, so put one of the services in another Go package"
	if got := refusal(t, sources, "a.proto", "b.proto"); got != want {
		t.Errorf("error:\n got: %s\nwant: %s", got, want)
	}

	sources = map[string]string{
		"types.proto": `syntax = "proto3"; package p; option go_package = "example.com/p"; message Node {}`,
		"svc.proto": `syntax = "proto3"; package p; option go_package = "example.com/p"; import "types.proto";
service S { rpc M(Node) returns (Node); }`,
	}
	want = "types.proto:1:68: message p.Node: its Go name Node clashes with the Node generated for service S in svc.proto; rename the message"
	if got := refusal(t, sources, "types.proto", "svc.proto"); got != want {
		t.Errorf("error:\n got: %s\nwant: %s", got, want)
	}
}

// TestRefusalServiceInImportedFileOfOneGoPackage refuses a file whose Go package has a
// service in a file it imports, directly or through a file of another package, whose code
// another run generates: the two generated files would still meet in one package.
func TestRefusalServiceInImportedFileOfOneGoPackage(t *testing.T) {
	sources := map[string]string{
		"a.proto": `syntax = "proto3"; package p; option go_package = "example.com/p";
service A { rpc M(ReqA) returns (ReqA); } message ReqA {}`,
		"b.proto": `syntax = "proto3"; package p; option go_package = "example.com/p"; import "a.proto";
service B { rpc M(ReqA) returns (ReqA); }`,
		"q.proto": `syntax = "proto3"; package q; option go_package = "example.com/q"; import "a.proto";
message Q { p.ReqA a = 1; }`,
		"c.proto": `syntax = "proto3"; package p; option go_package = "example.com/p"; import "q.proto";
service C { rpc M(q.Q) returns (q.Q); }`,
	}
	want := "b.proto:2:1: declares a service, and so does a.proto, which it imports, of the same Go package example.com/p; Gorums generates one Manager per package, so put one of the services in another Go package"
	if got := refusal(t, sources, "b.proto"); got != want {
		t.Errorf("error:\n got: %s\nwant: %s", got, want)
	}
	want = "c.proto:2:1: declares a service, and so does a.proto, which it imports, of the same Go package example.com/p; Gorums generates one Manager per package, so put one of the services in another Go package"
	if got := refusal(t, sources, "c.proto"); got != want {
		t.Errorf("error:\n got: %s\nwant: %s", got, want)
	}
	// The service of another package's imported file is no concern.
	sources["q.proto"] = `syntax = "proto3"; package q; option go_package = "example.com/q"; import "a.proto";
message Q { p.ReqA a = 1; } service S { rpc M(Q) returns (Q); }`
	sources["d.proto"] = `syntax = "proto3"; package d; option go_package = "example.com/d"; import "q.proto";
service D { rpc M(q.Q) returns (q.Q); }`
	if out := generate(t, sources, "paths=source_relative", "d.proto"); len(out) != 1 {
		t.Errorf("generated %d files, want d_gorums.pb.go", len(out))
	}
}

// TestAcceptedNames shows the name checks refuse only real clashes: a handle-like name for
// a type the file does not generate, and a method on the other receiver, are fine.
func TestAcceptedNames(t *testing.T) {
	sources := serviceProto(rpc("Nodes", "Req", "Resp")+"\n"+rpc("ID", "Req", "Resp", "quorumcall"),
		"message AsyncResp {}\nmessage CorrectableReq {}")
	out := generate(t, sources, "paths=source_relative", "svc.proto")
	if _, ok := out["svc_gorums.pb.go"]; !ok {
		t.Fatalf("no svc_gorums.pb.go in %v", out)
	}
}

// TestUnknownParameter refuses a plugin parameter protogen does not know, such as a
// misspelled paths, and accepts those it does.
func TestUnknownParameter(t *testing.T) {
	sources := serviceProto(rpc("M", "Req", "Resp"), "")
	for _, tt := range []struct{ param, want string }{
		{"path=source_relative", `unknown parameter "path"; protoc-gen-gorums takes only protoc-gen-go's parameters that place the files (paths, module, M<file>=<import path>)`},
		{"paths=source_relative,plugins=grpc", `unknown parameter "plugins"; protoc-gen-gorums takes only protoc-gen-go's parameters that place the files (paths, module, M<file>=<import path>)`},
		{"paths=source_relative,Msvc.proto=example.com/svc", ""},
		{"module=example.com", ""},
	} {
		_, err := protogen.Options{ParamFunc: Param}.New(compileRequest(t, sources, tt.param, "svc.proto"))
		if got := fmt.Sprint(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
			t.Errorf("parameter %s: error %v, want %q", tt.param, err, tt.want)
		}
	}
}
