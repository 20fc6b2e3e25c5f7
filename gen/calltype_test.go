package gen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/compiler/protogen"
)

// TestCallTypeTableSelectsEachRow shows every row of the call type table is what the options
// that describe it select, and nothing else is.
func TestCallTypeTableSelectsEachRow(t *testing.T) {
	for _, want := range callTypes {
		var mo methodOptions
		switch want.option {
		case "rpc":
			mo.rpc = true
		case "unicast":
			mo.unicast = true
		case "multicast":
			mo.multicast = true
		case "quorumcall":
			mo.quorumcall = true
		case "correctable":
			mo.correctable = true
		default:
			t.Fatalf("row %s: option %q is not a call-type option of gorums.proto", want, want.option)
		}
		mo.async = want.async
		got, err := classify(mo, false, want.serverStream)
		if err != nil || got != want {
			t.Errorf("classify(%+v, stream=%t) = %v, %v; want row %s", mo, want.serverStream, got, err, want)
		}
		if want.option == "rpc" { // no option at all is an ordered RPC too
			if got, err := classify(methodOptions{}, false, false); err != nil || got != want {
				t.Errorf("classify(no options) = %v, %v; want %s", got, err, want)
			}
		}
		if _, err := classify(mo, true, want.serverStream); (err == nil) != want.clientStream {
			t.Errorf("row %s with a client stream: error %v, want an error: %t", want, err, !want.clientStream)
		}
	}
}

// TestCallTypeTableTemplates shows every template a row names exists, so no call type can
// fall back to another's code, and that a name without a template is an error.
func TestCallTypeTableTemplates(t *testing.T) {
	for _, ct := range callTypes {
		for _, name := range []string{ct.template, ct.server.template} {
			if fileTemplate.Lookup(name) == nil {
				t.Errorf("row %s names template %q, which does not exist", ct, name)
			}
		}
	}
	plugin, err := protogen.Options{}.New(compileRequest(t, nil, "", "storage.proto"))
	if err != nil {
		t.Fatal(err)
	}
	bogus := *callTypes[0]
	bogus.template = "nosuchtemplate"
	m := &method{Method: plugin.Files[len(plugin.Files)-1].Services[0].Methods[0], CallType: &bogus}
	_, err = dispatchers(fileTemplate)["clientMethod"].(func(*method) (string, error))(m)
	if err == nil || !strings.Contains(err.Error(), `"nosuchtemplate", which does not exist`) {
		t.Errorf("a row naming no template: error %v, want one naming the template", err)
	}
}

// TestCallTypeTableRuntime shows every runtime function the table names (engines, their
// PerNode variants, handlers, handle types) is declared both by the module root, which
// generated code calls, and by testdata/runtimestub, the contract the compile test checks.
func TestCallTypeTableRuntime(t *testing.T) {
	var names []string
	for _, ct := range callTypes {
		names = append(names, ct.engine, ct.server.handler)
		if ct.perNodeArg {
			names = append(names, ct.engine+"PerNode")
		}
		if ct.handle != "" {
			names = append(names, ct.handle, "Failed"+ct.handle)
		}
	}
	for _, dir := range []string{moduleRoot, filepath.Join("testdata", "runtimestub")} {
		declared := packageDecls(t, dir)
		for _, name := range names {
			if !slices.Contains(declared, name) {
				t.Errorf("%s does not declare %s, which the call type table names", dir, name)
			}
		}
	}
}

// packageDecls lists the top-level functions and types declared by the non-test Go files of
// dir.
func packageDecls(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names = append(names, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						names = append(names, ts.Name.Name)
					}
				}
			}
		}
	}
	return names
}
