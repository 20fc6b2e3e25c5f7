package gen

import (
	"fmt"

	"google.golang.org/protobuf/compiler/protogen"
)

// Methods that the generated Node and Configuration get from the runtime or define
// themselves. A client method of the same name would hide one of them.
var (
	nodeMethods = []string{"RawNode", "ID", "Address", "LastErr", "Latency"}

	configurationMethods = []string{"RawConfiguration", "Nodes", "NodeIDs", "Size", "Equal",
		"WithNewNodes", "WithoutNodes", "And", "Except"}
)

// checkMethodNames refuses client methods that would hide a method of Node or Configuration.
func (s *service) checkMethodNames() []error {
	var errs []error
	for _, m := range s.Methods {
		receiver, taken := "Node", nodeMethods
		if m.CallType.onConfiguration() {
			receiver, taken = "Configuration", configurationMethods
		}
		for _, name := range taken {
			if m.GoName == name {
				errs = append(errs, fmt.Errorf("%s: %s.%s: %s is a method of %s, which already has a method %s; rename the rpc",
					s.Source, s.GoName, m.GoName, m.CallType.withArticle(), receiver, name))
			}
		}
	}
	return errs
}

// checkAliases refuses two handle aliases of one name for different result types (two
// messages of one Go name in different packages).
func (s *service) checkAliases() []error {
	var errs []error
	first := make(map[string]*method)
	for _, m := range s.Methods {
		a := m.Alias()
		if a == "" {
			continue
		}
		if f, ok := first[a]; !ok {
			first[a] = m
		} else if f.Out != m.Out {
			errs = append(errs, fmt.Errorf("%s: %s.%s: its result %s.%s and the result %s.%s of %s would both need the alias %s; return one of them through a message of another name",
				s.Source, s.GoName, m.GoName, string(m.Out.GoImportPath), m.Out.GoName, string(f.Out.GoImportPath), f.Out.GoName, f.GoName, a))
		}
	}
	return errs
}

// generatedNames are the package-level names the generated file declares.
func (s *service) generatedNames() []string {
	names := []string{"Manager", "NewManager", "Configuration", "Node", "QuorumSpec",
		s.GoName, "Register" + s.GoName + "Server"}
	for _, m := range s.Aliases() {
		names = append(names, m.Alias())
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
	clash := func(f *protogen.File, kind, protoName, goName string) {
		if generated[goName] {
			errs = append(errs, fmt.Errorf("%s: %s %s: its Go name %s clashes with the %s generated for service %s in %s; rename the %s",
				f.Desc.Path(), kind, protoName, goName, goName, s.GoName, s.Source, kind))
		}
	}
	pkg.walkMessages(func(f *protogen.File, m *protogen.Message) {
		clash(f, "message", string(m.Desc.FullName()), m.GoIdent.GoName)
		for _, e := range m.Enums {
			clash(f, "enum", string(e.Desc.FullName()), e.GoIdent.GoName)
		}
	})
	for _, f := range pkg.files {
		for _, e := range f.Enums {
			clash(f, "enum", string(e.Desc.FullName()), e.GoIdent.GoName)
		}
	}
	return errs
}
