// Command regen regenerates the generated code committed in the Gorums module, in place and
// without protoc. Run it from anywhere inside the module:
//
//	go run ./gen/internal/regen
//
// It finds every <name>_gorums.pb.go below the module root (skipping hidden directories,
// vendor and gen/testdata) and the root's gorums.proto, and rewrites <name>.pb.go and
// <name>_gorums.pb.go from the <name>.proto beside each as
//
//	cd <dir> && go run github.com/quorumcall/gorums/cmd/gorums-gen <name>.proto
//
// would: both use package internal/gorumsgen. Files that are already current are not
// touched. It prints each file it rewrites; with -check it rewrites nothing and exits with
// status 1 if any file is stale. TestGeneratedCodeIsCurrent in package gen runs the same
// pipeline (package gen/internal/pipeline).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/quorumcall/gorums/gen/internal/pipeline"
)

func main() {
	check := flag.Bool("check", false, "report stale files and exit with status 1 instead of rewriting them")
	verbose := flag.Bool("v", false, "list every .proto file regenerated")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: go run ./gen/internal/regen [-check] [-v]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	stale, err := regen(*check, *verbose)
	if err != nil {
		fmt.Fprintln(os.Stderr, "regen:", err)
		os.Exit(1)
	}
	if *check && stale > 0 {
		fmt.Fprintf(os.Stderr, "regen: %d stale files; run %s\n", stale, pipeline.RegenCommand)
		os.Exit(1)
	}
}

// regen regenerates every discovered target and returns the number of stale files.
func regen(check, verbose bool) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	root, err := pipeline.FindModuleRoot(wd)
	if err != nil {
		return 0, err
	}
	targets, err := pipeline.Discover(root)
	if err != nil {
		return 0, err
	}
	stale := 0
	for _, t := range targets {
		if verbose {
			fmt.Println(t)
		}
		files, err := pipeline.Generate(root, t)
		if err != nil {
			return stale, err
		}
		for _, f := range files {
			if f.Current() {
				continue
			}
			stale++
			if check {
				fmt.Printf("stale: %s\n%s\n", f.Path, pipeline.Diff(f.Have, f.Want, 10))
				continue
			}
			if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(f.Path)), f.Want, 0o644); err != nil {
				return stale, err
			}
			fmt.Println("wrote", f.Path)
		}
	}
	return stale, nil
}
