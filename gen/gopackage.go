package gen

import (
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
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
// name, or nil. Map entries are not messages here: protoc-gen-go declares no Go type for
// them.
func (pkg goPackage) findMessage(name string) *protogen.Message {
	var found *protogen.Message
	pkg.walkMessages(func(_ *protogen.File, m *protogen.Message) {
		if found == nil && (m.GoIdent.GoName == name || string(m.Desc.FullName()) == name) {
			found = m
		}
	})
	return found
}

// findMapEntry returns the map entry of the package whose protogen Go name or protobuf full
// name is name, or nil.
func (pkg goPackage) findMapEntry(name string) *protogen.Message {
	var walk func([]*protogen.Message) *protogen.Message
	walk = func(msgs []*protogen.Message) *protogen.Message {
		for _, m := range msgs {
			if m.Desc.IsMapEntry() && (m.GoIdent.GoName == name || string(m.Desc.FullName()) == name) {
				return m
			}
			if found := walk(m.Messages); found != nil {
				return found
			}
		}
		return nil
	}
	for _, f := range pkg.files {
		if found := walk(f.Messages); found != nil {
			return found
		}
	}
	return nil
}

// walkMessages calls fn for every message of the package, nested ones included, in
// declaration order. It skips map entries, which have no Go type.
func (pkg goPackage) walkMessages(fn func(*protogen.File, *protogen.Message)) {
	var walk func(*protogen.File, []*protogen.Message)
	walk = func(f *protogen.File, msgs []*protogen.Message) {
		for _, m := range msgs {
			if m.Desc.IsMapEntry() {
				continue
			}
			fn(f, m)
			walk(f, m.Messages)
		}
	}
	for _, f := range pkg.files {
		walk(f, f.Messages)
	}
}

// declaredName is an exported package-level name protoc-gen-go declares: the descriptor it
// comes from, what kind of descriptor that is ("message", "enum value", ...), and what the
// name declares there ("type", "constant", ...).
type declaredName struct {
	desc   protoreflect.Descriptor
	kind   string
	decl   string
	goName string
}

// walkNames calls fn for every exported package-level name protoc-gen-go declares for the
// package's files: messages and their nested enums, the enum value constants, oneof wrapper
// types, default value constants and extension variables of the messages, then the files'
// enums and extensions. These are the names a generated file of the package must not
// declare too.
func (pkg goPackage) walkNames(fn func(declaredName)) {
	enum := func(e *protogen.Enum) {
		fn(declaredName{e.Desc, "enum", "type", e.GoIdent.GoName})
		for _, v := range e.Values {
			fn(declaredName{v.Desc, "enum value", "constant", v.GoIdent.GoName})
		}
	}
	extension := func(x *protogen.Extension) {
		fn(declaredName{x.Desc, "extension", "variable", "E_" + x.GoIdent.GoName})
	}
	pkg.walkMessages(func(_ *protogen.File, m *protogen.Message) {
		fn(declaredName{m.Desc, "message", "type", m.GoIdent.GoName})
		for _, e := range m.Enums {
			enum(e)
		}
		for _, f := range m.Fields {
			if f.Oneof != nil && !f.Oneof.Desc.IsSynthetic() {
				fn(declaredName{f.Desc, "oneof field", "wrapper type", f.GoIdent.GoName})
			}
			if f.Desc.HasDefault() {
				fn(declaredName{f.Desc, "field", "default value", "Default_" + m.GoIdent.GoName + "_" + f.GoName})
			}
		}
		for _, x := range m.Extensions {
			extension(x)
		}
	})
	for _, f := range pkg.files {
		for _, e := range f.Enums {
			enum(e)
		}
		for _, x := range f.Extensions {
			extension(x)
		}
	}
}

// isType reports whether the name declares the Go type of a message or enum.
func (n declaredName) isType() bool { return n.kind == "message" || n.kind == "enum" }
