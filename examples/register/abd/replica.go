package abd

import (
	"sync"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/examples/register/proto"
)

// Replica is the server side of the register: it keeps the value with the greatest tag it has
// seen. Register it on a gorums.Server with proto.RegisterRegisterServer.
type Replica struct {
	mu  sync.Mutex
	val *proto.Value // replaced, never modified, so it may be returned as a reply
}

// NewReplica returns a replica holding the initial value: the empty string with the zero tag.
func NewReplica() *Replica {
	return &Replica{val: &proto.Value{}}
}

// Value returns the replica's current value. The caller must not modify it.
func (r *Replica) Value() *proto.Value {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.val
}

// Read returns the replica's current value and its tag.
func (r *Replica) Read(_ gorums.ServerCtx, _ *proto.ReadRequest) (*proto.Value, error) {
	return r.Value(), nil
}

// Write stores in if its tag is greater than the current value's, and says whether it did.
func (r *Replica) Write(_ gorums.ServerCtx, in *proto.Value) (*proto.WriteAck, error) {
	v := &proto.Value{Value: in.GetValue(), Timestamp: in.GetTimestamp(), Writer: in.GetWriter()}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !Less(r.val, v) {
		return &proto.WriteAck{New: false}, nil
	}
	r.val = v
	return &proto.WriteAck{New: true}, nil
}
