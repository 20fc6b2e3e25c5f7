package gen

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"
)

// service is what one generated file is made from: the file's only service and its methods.
type service struct {
	Source  string // path of the .proto file, for the header
	Package protogen.GoPackageName
	GoName  string
	// Comments is the service's leading comment in the .proto file, copied into the doc
	// comment of the server interface.
	Comments protogen.Comments
	Methods  []*method

	importPath protogen.GoImportPath
	// declared are the exported package-level names protoc-gen-go declares in the Go package.
	declared []string
}

// packageNames are the package-level names of the generated file's Go package: those the
// file declares, exported or not, and those protoc-gen-go declares.
func (s *service) packageNames() []string {
	return append(append(s.generatedNames(), "quorumFuncs"), s.declared...)
}

// newService checks f and builds its model. It returns every problem found, each prefixed
// with the file (and the method, where there is one), so one run of protoc reports them all.
func newService(plugin *protogen.Plugin, f *protogen.File) (*service, error) {
	path := f.Desc.Path()
	if len(f.Services) != 1 {
		var names []string
		for _, s := range f.Services {
			names = append(names, s.GoName)
		}
		return nil, fmt.Errorf("%s: %d services (%s): Gorums generates one Manager, Configuration and QuorumSpec per file, so a file may declare only one service",
			position(f.Services[1].Desc), len(f.Services), strings.Join(names, ", "))
	}
	svc := f.Services[0]
	pkg := packageOf(plugin, f)
	s := &service{Source: path, Package: f.GoPackageName, GoName: svc.GoName, Comments: svc.Comments.Leading,
		importPath: f.GoImportPath}
	pkg.walkNames(func(n declaredName) { s.declared = append(s.declared, n.goName) })
	var errs []error
	for _, m := range svc.Methods {
		gm, err := newMethod(pkg, m)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s.%s: %w", position(m.Desc), svc.GoName, m.GoName, err))
			continue
		}
		s.Methods = append(s.Methods, gm)
	}
	errs = append(errs, s.checkMethodNames()...)
	errs = append(errs, s.checkHandles()...)
	errs = append(errs, s.checkServiceName(svc.Desc, pkg)...)
	errs = append(errs, s.checkDeclaredNames(pkg)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// HasQuorumSpec reports whether QuorumSpec has any function, i.e. whether configurations
// must be given one.
func (s *service) HasQuorumSpec() bool { return len(s.QuorumMethods()) > 0 }

// QuorumMethods are the methods with a quorum function, in declaration order.
func (s *service) QuorumMethods() []*method {
	var ms []*method
	for _, m := range s.Methods {
		if m.HasQF() {
			ms = append(ms, m)
		}
	}
	return ms
}

// Handles returns, for each distinct handle type, the first method that needs it, in
// declaration order, so each handle type is declared once.
func (s *service) Handles() []*method {
	var ms []*method
	seen := make(map[string]bool)
	for _, m := range s.Methods {
		if a := m.Handle(); a != "" && !seen[a] {
			seen[a] = true
			ms = append(ms, m)
		}
	}
	return ms
}
