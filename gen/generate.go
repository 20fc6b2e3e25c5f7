package gen

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/compiler/protogen"
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

// checkOneServicePerPackage refuses two files of one Go package that both declare a
// service: their generated files would both declare Manager, Configuration and the rest.
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
	}
	return errors.Join(errs...)
}
