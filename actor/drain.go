package actor

import (
	"sync"
	"sync/atomic"
)

// Drain lets something that stops wait for the goroutines at work in it, without a lock held
// while they work: each calls Enter before its work and Leave after, and Close refuses every
// later Enter and waits until those that entered have left. A mailbox's senders and a server
// stream's handlers are counted this way.
//
// Every method is safe for concurrent use. Close must be called once.
type Drain struct {
	// n counts the goroutines between Enter and Leave, plus closedBit once Close has begun.
	n    atomic.Int64
	left chan struct{} // made by Close; closed (once) when the last goroutine leaves
	once sync.Once
}

// closedBit marks a closing Drain in Drain.n.
const closedBit = 1 << 62

// Enter counts a goroutine in and reports true, or reports false, counting nothing, once Close
// has begun.
func (d *Drain) Enter() bool {
	if d.n.Add(1)&closedBit != 0 {
		d.Leave()
		return false
	}
	return true
}

// Leave counts out a goroutine that entered.
func (d *Drain) Leave() {
	// The last one out of a closing Drain wakes Close. A goroutine refused by a closing Drain
	// may also find itself the last one out, hence the once.
	if d.n.Add(-1) == closedBit {
		d.once.Do(func() { close(d.left) })
	}
}

// Close refuses every later Enter and returns once every goroutine that entered has left.
func (d *Drain) Close() {
	d.left = make(chan struct{}) // before the bit: Leave reads it only once it sees the bit
	if d.n.Add(closedBit) != closedBit {
		<-d.left
	}
}
