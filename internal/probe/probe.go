// Package probe lets the module's own tests look at runtime state that is not API, such as
// how many requests a node still holds as pending. It holds no state and starts no goroutine.
package probe

import (
	"github.com/quorumcall/gorums/internal/callproto"
	"github.com/quorumcall/gorums/internal/link"
	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/manager"
)

// PendingCount reports how many requests to n await replies; 0 for a node in no manager.
func PendingCount(n *manager.Node) int {
	a := link.Actor.(func(*manager.Node) *callproto.NodeActor)(n)
	if a == nil {
		return 0
	}
	return a.PendingCount()
}

// OnCallRecycled makes f be called whenever a call's state goes back to its pool for reuse,
// until it is called again with nil. Tests count reuse with it.
func OnCallRecycled(f func()) { callproto.SetRecycleHook(f) }

// OnBufferPooled makes f be called whenever a frame's buffer goes back to the wire package's
// pool (once gRPC and the frame's owner have let go of it), until it is called again with nil.
// Tests count reuse with it.
func OnBufferPooled(f func()) { wire.SetPutHook(f) }
