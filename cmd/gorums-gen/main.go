package main

import (
	"flag"
	"fmt"
	"io"
	"os"
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
	files, err := gorumsgen.Generate(opts, flags.Args()...)
	if err == nil {
		err = gorumsgen.Write(*out, files)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
