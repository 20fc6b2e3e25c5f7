package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/quorumcall/gorums/internal/gorumsgen"
)

// importPaths collects the -I flags; each may hold several directories separated as in
// PATH, as protoc allows.
type importPaths []string

func (p *importPaths) String() string { return strings.Join(*p, string(os.PathListSeparator)) }

func (p *importPaths) Set(v string) error {
	*p = append(*p, strings.Split(v, string(os.PathListSeparator))...)
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// run is the command with its arguments; it returns the exit status.
func run(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("gorums-gen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	var opts gorumsgen.Options
	flags.Var((*importPaths)(&opts.ImportPaths), "I", "add `dir` to the import paths (repeatable; default: the current directory)")
	flags.StringVar(&opts.Paths, "paths", "source_relative", "where the output goes: source_relative (beside the .proto file) or `import` (under the Go import path)")
	flags.StringVar(&opts.Module, "module", "", "write under the Go import path with this `prefix` removed (instead of -paths)")
	out := flags.String("out", ".", "the output `dir`")
	flags.Usage = func() {
		fmt.Fprintln(flags.Output(), "usage: gorums-gen [-I dir]... [-paths source_relative | -module prefix] [-out dir] file.proto...")
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() == 0 {
		flags.Usage()
		return 2
	}
	pathsSet := false
	flags.Visit(func(f *flag.Flag) { pathsSet = pathsSet || f.Name == "paths" })
	if opts.Module != "" && !pathsSet {
		opts.Paths = ""
	}
	opts.Warn = func(w string) { fmt.Fprintln(stderr, w) }
	err := checkShadowed(opts.ImportPaths, flags.Args())
	var files []gorumsgen.File
	if err == nil {
		files, err = gorumsgen.Generate(opts, flags.Args()...)
	}
	if err == nil {
		err = gorumsgen.Write(*out, files)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// checkShadowed refuses, as protoc does, a file on disk that the import paths do not find
// under its name: the file is named by its path relative to the first import path that
// contains it, and the compiler looks that name up in the import paths in order, so an
// earlier one that has a file of the name would be compiled instead (-I a -I b b/x.proto
// compiles a/x.proto if there is one).
func checkShadowed(importPaths, files []string) error {
	if len(importPaths) == 0 {
		importPaths = []string{"."}
	}
	var errs []error
	for _, file := range files {
		info, err := os.Stat(file)
		if err != nil {
			continue // not a file on disk: a name the import paths resolve, if any
		}
		abs, err := filepath.Abs(file)
		if err != nil {
			return err
		}
		name, dir := "", ""
		for _, d := range importPaths {
			ad, err := filepath.Abs(d)
			if err != nil {
				return err
			}
			if rel, err := filepath.Rel(ad, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				name, dir = rel, d
				break
			}
		}
		if name == "" {
			continue // in no import path, which the compiler reports
		}
		for _, d := range importPaths {
			if d == dir {
				break
			}
			found := filepath.Join(d, name)
			if other, err := os.Stat(found); err == nil && !os.SameFile(info, other) {
				errs = append(errs, fmt.Errorf("%s: input is shadowed in the import paths by %s, which has the same name %s; give that file instead, or put -I %s before -I %s",
					file, found, filepath.ToSlash(name), dir, d))
				break
			}
		}
	}
	return errors.Join(errs...)
}
