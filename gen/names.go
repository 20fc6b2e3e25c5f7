package gen

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/reflect/protoreflect"
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

// checkMethodNames refuses two rpcs of one Go name (read and Read, read_qc and ReadQc),
// which would declare one method twice, and client methods that would hide a method of
// Node or Configuration.
func (s *service) checkMethodNames() []error {
	var errs []error
	first := make(map[string]*method)
	for _, m := range s.Methods {
		if f, ok := first[m.GoName]; ok {
			errs = append(errs, fmt.Errorf("%s: %s.%s: rpcs %s (%s) and %s both have the Go name %s, so the generated code would declare it twice; rename one of them",
				position(m.Desc), s.GoName, m.GoName, f.Desc.Name(), position(f.Desc), m.Desc.Name(), m.GoName))
			continue
		}
		first[m.GoName] = m
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

// gorumsNames are the package-level names the generated file declares for its own types and
// functions, whatever the service is called.
func (s *service) gorumsNames() []string {
	names := []string{"Manager", "NewManager", "Configuration", "ConfigurationFromRaw", "Node", "QuorumSpec"}
	for _, m := range s.Handles() {
		names = append(names, m.Handle())
	}
	return names
}

// serviceNames are the package-level names the generated file takes from the service's name:
// the server interface and its Register function.
func (s *service) serviceNames() []string {
	return []string{s.GoName, "Register" + s.GoName + "Server"}
}

// generatedNames are the package-level names the generated file declares.
func (s *service) generatedNames() []string {
	return append(s.gorumsNames(), s.serviceNames()...)
}

// checkServiceName refuses a service whose server interface (named like the service) or
// Register function would take a name the generated file declares for its own types, or
// one protoc-gen-go declares for an enum value, oneof field, extension or default value of
// the Go package. Messages and enums named so are refused at their own declaration, by
// checkDeclaredNames.
func (s *service) checkServiceName(d protoreflect.Descriptor, pkg goPackage) []error {
	var errs []error
	if slices.Contains(s.gorumsNames(), s.GoName) {
		errs = append(errs, fmt.Errorf("%s: service %s: its server interface %s, named like the service, clashes with the %s generated for it; rename the service",
			position(d), d.FullName(), s.GoName, s.GoName))
	}
	what := map[string]string{s.GoName: "server interface", "Register" + s.GoName + "Server": "Register function"}
	pkg.walkNames(func(n declaredName) {
		if w, ok := what[n.goName]; ok && !n.isType() {
			errs = append(errs, fmt.Errorf("%s: service %s: its %s %s clashes with the %s %s that protoc-gen-go declares for %s %s (%s); rename the service",
				position(d), d.FullName(), w, n.goName, n.decl, n.goName, n.kind, n.desc.FullName(), position(n.desc)))
		}
	})
	return errs
}

// checkDeclaredNames refuses messages and enums of the Go package that protoc-gen-go
// declares under a name the generated file also declares, and the other names
// protoc-gen-go declares (enum value constants, oneof wrapper types, ...) that clash with
// one the generated file declares for its own types (a clash with the service's names is
// checkServiceName's).
func (s *service) checkDeclaredNames(pkg goPackage) []error {
	generated := make(map[string]bool)
	for _, n := range s.gorumsNames() {
		generated[n] = true
	}
	fromService := make(map[string]bool)
	for _, n := range s.serviceNames() {
		fromService[n] = true
	}
	var errs []error
	pkg.walkNames(func(n declaredName) {
		if generated[n.goName] || n.isType() && fromService[n.goName] {
			errs = append(errs, fmt.Errorf("%s: %s %s: its Go name %s clashes with the %s generated for service %s in %s; rename the %s",
				position(n.desc), n.kind, n.desc.FullName(), n.goName, n.goName, s.GoName, s.Source, n.kind))
		}
	})
	return errs
}
