package abd

import (
	"github.com/quorumcall/gorums/examples/register/proto"
)

// Less reports whether a's tag (timestamp, writer) is less than b's, comparing timestamps
// first and writer IDs second. A nil value has the least tag, the same as the zero Value.
func Less(a, b *proto.Value) bool {
	if a.GetTimestamp() != b.GetTimestamp() {
		return a.GetTimestamp() < b.GetTimestamp()
	}
	return a.GetWriter() < b.GetWriter()
}
