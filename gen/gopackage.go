package gen

import (
	"google.golang.org/protobuf/compiler/protogen"
)

// goPackage is the set of .proto files known to the plugin that generate into one Go
// package. The generated file shares the package's namespace with all of them.
type goPackage struct {
	importPath protogen.GoImportPath
	files      []*protogen.File
}

// packageOf collects the files of plugin that share f's Go import path, in request order.
func packageOf(plugin *protogen.Plugin, f *protogen.File) goPackage {
	pkg := goPackage{importPath: f.GoImportPath}
	for _, other := range plugin.Files {
		if other.GoImportPath == f.GoImportPath {
			pkg.files = append(pkg.files, other)
		}
	}
	return pkg
}

// findMessage returns the message of the package whose Go name or protobuf full name is
// name, or nil.
func (pkg goPackage) findMessage(name string) *protogen.Message {
	var found *protogen.Message
	pkg.walkMessages(func(_ *protogen.File, m *protogen.Message) {
		if found == nil && (m.GoIdent.GoName == name || string(m.Desc.FullName()) == name) {
			found = m
		}
	})
	return found
}

// walkMessages calls fn for every message of the package, nested ones included, in
// declaration order.
func (pkg goPackage) walkMessages(fn func(*protogen.File, *protogen.Message)) {
	var walk func(*protogen.File, []*protogen.Message)
	walk = func(f *protogen.File, msgs []*protogen.Message) {
		for _, m := range msgs {
			fn(f, m)
			walk(f, m.Messages)
		}
	}
	for _, f := range pkg.files {
		walk(f, f.Messages)
	}
}
