package gen

import (
	"fmt"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// position is where d is declared, as compilers print it: file:line:col (1-based), or just
// the file when the request carries no source info for it (protoc sends it for the files to
// generate, which are the ones refusals are about).
func position(d protoreflect.Descriptor) string {
	f := d.ParentFile()
	loc := f.SourceLocations().ByDescriptor(d)
	if len(loc.Path) == 0 {
		return f.Path()
	}
	return fmt.Sprintf("%s:%d:%d", f.Path(), loc.StartLine+1, loc.StartColumn+1)
}
