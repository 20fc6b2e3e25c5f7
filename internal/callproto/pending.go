package callproto

import (
	"sync"
	"time"
)

// pendingEntry is a request that is on the stream and waits for its reply.
type pendingEntry struct {
	call   *Call
	index  int    // the node's position in the call
	gen    uint64 // the stream it was sent on
	sentAt time.Time
	offset int64 // the stream offset after it: its reply shows the server read that far
}

// pendingTable maps message IDs to the requests waiting for replies. The node actor adds, the
// stream's receiver takes, a finishing call forgets; the lock is held only for the map
// operation, never across a delivery.
type pendingTable struct {
	mu      sync.Mutex
	entries map[uint64]pendingEntry
}

func (t *pendingTable) add(id uint64, e pendingEntry) {
	t.mu.Lock()
	if t.entries == nil {
		t.entries = make(map[uint64]pendingEntry)
	}
	t.entries[id] = e
	t.mu.Unlock()
}

// take returns the entry for id; it stays in the table only if it is a stream call's.
func (t *pendingTable) take(id uint64) (pendingEntry, bool) {
	t.mu.Lock()
	e, ok := t.entries[id]
	if ok && e.call.kind != Stream {
		delete(t.entries, id)
	}
	t.mu.Unlock()
	return e, ok
}

func (t *pendingTable) remove(id uint64) (pendingEntry, bool) {
	t.mu.Lock()
	e, ok := t.entries[id]
	delete(t.entries, id)
	t.mu.Unlock()
	return e, ok
}

// removeGen removes and returns every entry sent on stream gen (or on any stream if all).
func (t *pendingTable) removeGen(gen uint64, all bool) []pendingEntry {
	t.mu.Lock()
	var out []pendingEntry
	for id, e := range t.entries {
		if all || e.gen == gen {
			out = append(out, e)
			delete(t.entries, id)
		}
	}
	t.mu.Unlock()
	return out
}

func (t *pendingTable) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
