package manager

import (
	"context"
	"sync"
	"time"
)

// pendingEntry is a request that was sent and waits for its reply.
type pendingEntry struct {
	ctx    context.Context
	reply  chan<- Response
	done   <-chan struct{}
	stream bool
	gen    uint64 // the stream it was sent on
	sentAt time.Time
}

// pendingTable maps message IDs to the requests waiting for replies. The node actor adds, the
// stream's receiver takes, call engines forget; the lock is never held across a channel send.
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

// take returns the entry for id; it stays in the table only if it is a stream's.
func (t *pendingTable) take(id uint64) (pendingEntry, bool) {
	t.mu.Lock()
	e, ok := t.entries[id]
	if ok && !e.stream {
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

// deliver hands r to the entry's caller unless the call has ended.
func deliver(ctx context.Context, done <-chan struct{}, reply chan<- Response, r Response) {
	select {
	case reply <- r:
	case <-ctx.Done():
	case <-done:
	}
}
