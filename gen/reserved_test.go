package gen

import (
	"reflect"
	"slices"
	"testing"

	"github.com/quorumcall/gorums/internal/calltypes"
)

// TestReservedNames compares the reserved names of names.go with the generated types
// themselves: the exported methods (promoted ones included) and fields of Node,
// Configuration and Manager of a generated package, less the service's own client methods
// (the methods of its server interface, which has one per rpc). When the runtime gains a
// method, this test fails until names.go reserves it, so that no service method can hide it.
func TestReservedNames(t *testing.T) {
	service := names(reflect.TypeFor[calltypes.CallTypes]())
	for _, tt := range []struct {
		name string
		typ  reflect.Type
	}{
		{"Node", reflect.TypeFor[*calltypes.Node]()},
		{"Configuration", reflect.TypeFor[*calltypes.Configuration]()},
		{"Manager", reflect.TypeFor[*calltypes.Manager]()},
	} {
		var have []string
		for _, name := range names(tt.typ) {
			if !slices.Contains(service, name) {
				have = append(have, name)
			}
		}
		want := slices.Sorted(slices.Values(reserved[tt.name]))
		if !slices.Equal(have, want) {
			t.Errorf("the generated %s has the methods and fields\n\t%q\nbut names.go reserves\n\t%q\nfor it; make the list in names.go the first one",
				tt.name, have, want)
		}
	}
}

// names returns the sorted names of t's exported methods and, for a pointer to a struct,
// of the struct's exported fields, promoted ones included: the selectors a method of the
// same name would clash with or hide.
func names(t reflect.Type) []string {
	var out []string
	for i := range t.NumMethod() {
		out = append(out, t.Method(i).Name)
	}
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		for _, f := range reflect.VisibleFields(t.Elem()) {
			if f.IsExported() && !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}
