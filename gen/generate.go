package gen

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/pluginpb"
)

// Generate writes <name>_gorums.pb.go for every file to generate that declares a service,
// beside the file protoc-gen-go writes for it. It returns every problem it found in the
// input; protoc prints the error and exits non-zero, and nothing is written.
func Generate(plugin *protogen.Plugin) error {
	plugin.SupportedFeatures = uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL |
		pluginpb.CodeGeneratorResponse_FEATURE_SUPPORTS_EDITIONS)
	plugin.SupportedEditionsMinimum = descriptorpb.Edition_EDITION_PROTO2
	plugin.SupportedEditionsMaximum = descriptorpb.Edition_EDITION_2023

	var errs []error
	if err := checkOneServicePerPackage(plugin); err != nil {
		errs = append(errs, err)
	}
	var services []*service
	var files []*protogen.File
	for _, f := range plugin.Files {
		if !f.Generate || len(f.Services) == 0 {
			continue
		}
		s, err := newService(plugin, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		services = append(services, s)
		files = append(files, f)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for i, s := range services {
		g := plugin.NewGeneratedFile(files[i].GeneratedFilenamePrefix+"_gorums.pb.go", files[i].GoImportPath)
		if err := writeService(g, s); err != nil {
			return fmt.Errorf("%s: %w", s.Source, err)
		}
	}
	return nil
}

// Param is protoc-gen-gorums's protogen.Options.ParamFunc, which protogen calls with every
// plugin parameter it does not handle itself. protogen handles those protoc-gen-go shares
// with every plugin (paths, module, M<file>, ...) and the generator has none of its own, so
// any other is an error, as it is for protoc-gen-go: a misspelled parameter
// (path=source_relative) must not pass unnoticed and put the files elsewhere.
func Param(name, value string) error {
	return fmt.Errorf("unknown parameter %q; protoc-gen-gorums takes only protoc-gen-go's parameters that place the files (paths, module, M<file>=<import path>)", name)
}

// checkOneServicePerPackage refuses two files of one Go package that both declare a
// service: their generated files would both declare Manager, Configuration and the rest.
// Both may be files to generate, or the other may be a file that one to generate imports,
// directly or not, whose code is generated in another run.
func checkOneServicePerPackage(plugin *protogen.Plugin) error {
	first := make(map[protogen.GoImportPath]*protogen.File)
	var errs []error
	for _, f := range plugin.Files {
		if !f.Generate || len(f.Services) == 0 {
			continue
		}
		if prev, ok := first[f.GoImportPath]; ok {
			errs = append(errs, fmt.Errorf("%s: declares a service, and so does %s of the same Go package %s; Gorums generates one Manager per package, so put one of the services in another Go package",
				position(f.Services[0].Desc), prev.Desc.Path(), string(f.GoImportPath)))
			continue
		}
		first[f.GoImportPath] = f
		if dep := importedService(plugin, f); dep != nil {
			errs = append(errs, fmt.Errorf("%s: declares a service, and so does %s, which it imports, of the same Go package %s; Gorums generates one Manager per package, so put one of the services in another Go package",
				position(f.Services[0].Desc), dep.Desc.Path(), string(f.GoImportPath)))
		}
	}
	return errors.Join(errs...)
}

// importedService returns the first file that f imports, directly or not, that is not to
// be generated, is of f's Go package and declares a service, or nil. (A file to generate is
// checked in its own right.)
func importedService(plugin *protogen.Plugin, f *protogen.File) *protogen.File {
	seen := make(map[string]bool)
	var walk func(fd protoreflect.FileDescriptor) *protogen.File
	walk = func(fd protoreflect.FileDescriptor) *protogen.File {
		imports := fd.Imports()
		for i := range imports.Len() {
			dep := imports.Get(i).FileDescriptor
			if seen[dep.Path()] {
				continue
			}
			seen[dep.Path()] = true
			if g, ok := plugin.FilesByPath[dep.Path()]; ok && !g.Generate && g.GoImportPath == f.GoImportPath && len(g.Services) > 0 {
				return g
			}
			if found := walk(dep); found != nil {
				return found
			}
		}
		return nil
	}
	return walk(f.Desc)
}
