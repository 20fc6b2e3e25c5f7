package gen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestEveryExportedIdentifierDocumented parses the golden files and requires a doc comment
// on every exported type, function, method, and interface method.
func TestEveryExportedIdentifierDocumented(t *testing.T) {
	for _, name := range protoFiles(t) {
		golden := "testdata/golden/" + trimProto(name) + ".golden"
		f, err := parser.ParseFile(token.NewFileSet(), golden, readFile(t, golden), parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil {
					t.Errorf("%s: func %s has no doc comment", golden, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					if ts.Name.IsExported() && d.Doc == nil && ts.Doc == nil {
						t.Errorf("%s: type %s has no doc comment", golden, ts.Name.Name)
					}
					if it, ok := ts.Type.(*ast.InterfaceType); ok {
						for _, m := range it.Methods.List {
							if len(m.Names) > 0 && m.Names[0].IsExported() && m.Doc == nil {
								t.Errorf("%s: %s.%s has no doc comment", golden, ts.Name.Name, m.Names[0].Name)
							}
						}
					}
				}
			}
		}
	}
}
