// Package pipeline finds the generated code committed in the Gorums module and regenerates it
// in-process with package internal/gorumsgen, the engine of cmd/gorums-gen, as
//
//	cd <dir> && go run github.com/quorumcall/gorums/cmd/gorums-gen -paths source_relative <name>.proto
//
// would: no protoc or plugin binaries are needed, and the committed files are exactly
// gorums-gen's output, so protoc-gen-go's header reads "protoc        (unknown)".
//
// Both the test that checks the committed code is current (gen/current_test.go) and the
// command that rewrites it (go run ./gen/internal/regen) use this package, so they cannot
// disagree.
package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/quorumcall/gorums/internal/gorumsgen"
)

// ModulePath is the path of the module whose generated code this package maintains.
const ModulePath = "github.com/quorumcall/gorums"

// RegenCommand is the command, run from the module root, that rewrites stale generated code.
const RegenCommand = "go run ./gen/internal/regen"

// gorumsSuffix marks the files discovery looks for.
const gorumsSuffix = "_gorums.pb.go"

// Target is a .proto file whose generated code is committed beside it.
type Target struct {
	Dir   string // directory relative to the module root, slash-separated ("." for the root)
	Proto string // base name of the .proto file, e.g. "storage.proto"
}

// String is the path of the .proto file relative to the module root.
func (t Target) String() string { return path.Join(t.Dir, t.Proto) }

// GenCommand is the gorums-gen command, run from the module root, that generates t's code.
func (t Target) GenCommand() string {
	return fmt.Sprintf("cd %s && go run %s/cmd/gorums-gen %s", t.Dir, ModulePath, t.Proto)
}

// File is a generated file: what the pipeline produces and what is committed.
type File struct {
	Path string // relative to the module root, slash-separated
	Want []byte // the pipeline's output
	Have []byte // the committed content; nil if there is no such file
}

// Current reports whether the committed file is the pipeline's output.
func (f File) Current() bool { return f.Have != nil && bytes.Equal(f.Want, f.Have) }

// FindModuleRoot returns the directory of the go.mod of ModulePath that contains dir.
func FindModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == ModulePath {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside module %s", dir, ModulePath)
		}
	}
}

// modulePath is the path in a go.mod file's module directive.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// optionsProto is the module root's gorums.proto, whose gorums.pb.go (it has no service, so no
// _gorums.pb.go) is a target too.
const optionsProto = "gorums.proto"

// Discover walks the module at root for committed <name>_gorums.pb.go files and returns the
// <name>.proto beside each, and the root's gorums.proto, sorted. It skips directories the go command ignores (names starting
// with "." or "_"), vendor and gen/testdata (the generator's own test inputs). A
// _gorums.pb.go file without its .proto is an error; a .proto file without committed output
// is not a target.
func Discover(root string) ([]Target, error) {
	var targets []Target
	var errs []error
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "vendor" || rel == "gen/testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		base, ok := strings.CutSuffix(d.Name(), gorumsSuffix)
		if !ok || base == "" || !d.Type().IsRegular() {
			return nil
		}
		t := Target{Dir: path.Dir(rel), Proto: base + ".proto"}
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(t.String()))); err != nil {
			errs = append(errs, fmt.Errorf("%s has no %s beside it to generate it from", rel, t.Proto))
			return nil
		}
		targets = append(targets, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, optionsProto)); err == nil {
		targets = append(targets, Target{Dir: ".", Proto: optionsProto})
	}
	slices.SortFunc(targets, func(a, b Target) int { return strings.Compare(a.String(), b.String()) })
	return targets, errors.Join(errs...)
}

// Generate compiles t and runs protoc-gen-go and the Gorums generator on it with
// paths=source_relative, as gorums-gen does. It returns the files written for it,
// <name>.pb.go and, if it declares a service, <name>_gorums.pb.go, with their committed
// content.
func Generate(root string, t Target) ([]File, error) {
	dir := filepath.Join(root, filepath.FromSlash(t.Dir))
	// The module root's gorums.proto comes second on the import path, so that an edit of it
	// reaches every target at once instead of after gorums.pb.go is regenerated and the
	// built-in copy rebuilt.
	generated, err := gorumsgen.Generate(gorumsgen.Options{ImportPaths: []string{dir, root}, Paths: "source_relative"},
		filepath.Join(dir, t.Proto))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	base := strings.TrimSuffix(t.Proto, ".proto")
	var files []File
	for i, g := range generated {
		if want := []string{base + ".pb.go", base + gorumsSuffix}; i >= len(want) || g.Name != want[i] {
			return nil, fmt.Errorf("%s: generated %s, want only %s", t, g.Name, strings.Join(want, " and "))
		}
		f := File{Path: path.Join(t.Dir, g.Name), Want: g.Content}
		f.Have, err = os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			f.Have = nil
		} else if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// Diff is a short description of how have differs from want: the differing lines, with
// their line numbers, between the common prefix and suffix, at most limit lines of each.
func Diff(have, want []byte, limit int) string {
	if have == nil {
		return "the file is missing"
	}
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	pre := 0
	for pre < len(h) && pre < len(w) && h[pre] == w[pre] {
		pre++
	}
	suf := 0
	for suf < len(h)-pre && suf < len(w)-pre && h[len(h)-1-suf] == w[len(w)-1-suf] {
		suf++
	}
	if pre == len(h) && pre == len(w) {
		return "no difference"
	}
	var b strings.Builder
	side := func(sign string, lines []string) {
		for i, line := range lines {
			if i == limit {
				fmt.Fprintf(&b, "%s ... %d more lines\n", sign, len(lines)-limit)
				break
			}
			fmt.Fprintf(&b, "%s %5d: %s\n", sign, pre+1+i, line)
		}
	}
	fmt.Fprintf(&b, "--- committed lines %d-%d\n", pre+1, len(h)-suf)
	side("-", h[pre:len(h)-suf])
	fmt.Fprintf(&b, "+++ generated lines %d-%d\n", pre+1, len(w)-suf)
	side("+", w[pre:len(w)-suf])
	return strings.TrimSuffix(b.String(), "\n")
}
