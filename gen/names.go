package gen

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/reflect/protoreflect"

	"google.golang.org/protobuf/compiler/protogen"
)

// reserved holds, for each generated client type, the names its method set already has:
// the methods and exported fields it gets from the runtime type it embeds (RawNode,
// RawConfiguration, RawManager, with their promoted methods) and those the templates declare.
// A client method of one of these names would clash with it or hide it. The lists must be
// the generated types' method sets exactly: TestReservedNames compares them, by reflection,
// with a generated package, so a method the runtime gains fails that test until it is added
// here.
var reserved = map[string][]string{
	"Node": {"RawNode", "Address", "Connected", "FullString", "Host", "ID", "LastErr", "Latency", "Port", "String",
		"WaitConnected"},
	"Configuration": {"RawConfiguration", "And", "Equal", "Except", "Fastest", "Manager", "NodeIDs", "Nodes", "Size",
		"SortedByLatency", "WithNewNodes", "WithoutErrors", "WithoutNodes"},
	// No client method is declared on Manager; its list is here so that the test also tells
	// when the runtime's manager gains a method the generated Manager may need to wrap (as it
	// wraps Nodes to return generated Nodes).
	"Manager": {"RawManager", "AddNode", "Close", "NewConfiguration", "Node", "NodeIDs", "Nodes", "Size"},
}

// checkMethodNames refuses client methods that would hide a method of Node or Configuration.
func (s *service) checkMethodNames() []error {
	var errs []error
	for _, m := range s.Methods {
		receiver := m.CallType.receiver()
		if slices.Contains(reserved[receiver], m.GoName) {
			errs = append(errs, fmt.Errorf("%s: %s.%s: %s is a method of %s, which already has a method %s; rename the rpc",
				position(m.Desc), s.GoName, m.GoName, m.CallType.withArticle(), receiver, m.GoName))
		}
	}
	return errs
}

// checkHandles refuses two handle types of one name for different result types (two
// messages of one Go name in different packages).
func (s *service) checkHandles() []error {
	var errs []error
	first := make(map[string]*method)
	for _, m := range s.Methods {
		a := m.Handle()
		if a == "" {
			continue
		}
		if f, ok := first[a]; !ok {
			first[a] = m
		} else if f.Out != m.Out {
			errs = append(errs, fmt.Errorf("%s: %s.%s: its result %s.%s and the result %s.%s of %s would both need the type %s; return one of them through a message of another name",
				position(m.Desc), s.GoName, m.GoName, string(m.Out.GoImportPath), m.Out.GoName, string(f.Out.GoImportPath), f.Out.GoName, f.GoName, a))
		}
	}
	return errs
}

// generatedNames are the package-level names the generated file declares.
func (s *service) generatedNames() []string {
	names := []string{"Manager", "NewManager", "Configuration", "ConfigurationFromRaw", "Node", "QuorumSpec",
		s.GoName, "Register" + s.GoName + "Server"}
	for _, m := range s.Handles() {
		names = append(names, m.Handle())
	}
	return names
}

// checkDeclaredNames refuses messages and enums of the Go package that protoc-gen-go
// declares under a name the generated file also declares.
func (s *service) checkDeclaredNames(pkg goPackage) []error {
	generated := make(map[string]bool)
	for _, n := range s.generatedNames() {
		generated[n] = true
	}
	var errs []error
	clash := func(d protoreflect.Descriptor, kind, goName string) {
		if generated[goName] {
			errs = append(errs, fmt.Errorf("%s: %s %s: its Go name %s clashes with the %s generated for service %s in %s; rename the %s",
				position(d), kind, d.FullName(), goName, goName, s.GoName, s.Source, kind))
		}
	}
	pkg.walkMessages(func(_ *protogen.File, m *protogen.Message) {
		clash(m.Desc, "message", m.GoIdent.GoName)
		for _, e := range m.Enums {
			clash(e.Desc, "enum", e.GoIdent.GoName)
		}
	})
	for _, f := range pkg.files {
		for _, e := range f.Enums {
			clash(e.Desc, "enum", e.GoIdent.GoName)
		}
	}
	return errs
}
