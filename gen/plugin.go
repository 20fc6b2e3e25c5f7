package gen

import (
	"fmt"
	"os"
	"runtime/debug"

	"google.golang.org/protobuf/compiler/protogen"
)

// RunPlugin is the main function of protoc-gen-gorums, the protoc plugin: it reads protoc's
// request on standard input and writes the response on standard output. Its one command-line
// argument is --version. It is installed from gen/protoc-gen-gorums, or from
// cmd/protoc-gen-gorums, where the user guide installs it; both are this function.
func RunPlugin() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println("protoc-gen-gorums", pluginVersion())
		return
	}
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "protoc-gen-gorums: this is a protoc plugin; run it through protoc with --gorums_out (or pass --version)")
		os.Exit(2)
	}
	protogen.Options{ParamFunc: Param}.Run(Generate)
}

// pluginVersion is the module version the plugin was built from, or "(devel)".
func pluginVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
