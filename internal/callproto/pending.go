package callproto

import (
	"sync"
	"time"
)

// pendingEntry is a request that is on the stream and waits for its reply.
type pendingEntry struct {
	call   *Call  // its start is when the request counts as sent, for the node's latency
	index  int32  // the node's position in the call
	gen    uint64 // the stream it was sent on
	offset int64  // the stream offset after it: its reply shows the server read that far
}

// pendingTable maps message IDs to the requests waiting for replies. The node actor adds, the
// stream's receiver takes, a finishing call forgets. It is split over shards by message ID so
// that callers sending inline and the receiver rarely wait for one another; each shard's lock
// is held only for its map operation, never across a delivery.
type pendingTable struct {
	shards [pendingShards]pendingShard
}

const pendingShards = 8

type pendingShard struct {
	mu      sync.Mutex
	entries map[uint64]pendingEntry
	_       [40]byte // keeps neighbouring shards' locks off one cache line
}

func (t *pendingTable) shard(id uint64) *pendingShard { return &t.shards[id%pendingShards] }

func (t *pendingTable) add(id uint64, e pendingEntry) {
	sh := t.shard(id)
	sh.mu.Lock()
	if sh.entries == nil {
		sh.entries = make(map[uint64]pendingEntry)
	}
	sh.entries[id] = e
	sh.mu.Unlock()
}

// take returns the entry for id; it stays in the table only if it is a stream call's. Either
// way the taker holds the call: for a stream call's entry, which a finishing call may remove
// at any time, take adds a hold of its own, which the taker gives back with unref.
func (t *pendingTable) take(id uint64) (pendingEntry, bool) {
	sh := t.shard(id)
	sh.mu.Lock()
	e, ok := sh.entries[id]
	if ok {
		if e.call.kind == Stream {
			e.call.refs.Add(1) // the entry holds the call while it is in the table
		} else {
			delete(sh.entries, id)
		}
	}
	sh.mu.Unlock()
	return e, ok
}

func (t *pendingTable) remove(id uint64) (pendingEntry, bool) {
	sh := t.shard(id)
	sh.mu.Lock()
	e, ok := sh.entries[id]
	delete(sh.entries, id)
	sh.mu.Unlock()
	return e, ok
}

// removeGen removes and returns every entry sent on stream gen (or on any stream if all).
func (t *pendingTable) removeGen(gen uint64, all bool) []pendingEntry {
	var out []pendingEntry
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for id, e := range sh.entries {
			if all || e.gen == gen {
				out = append(out, e)
				delete(sh.entries, id)
			}
		}
		sh.mu.Unlock()
	}
	return out
}

func (t *pendingTable) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += len(sh.entries)
		sh.mu.Unlock()
	}
	return n
}

// lateReplies remembers when the last few requests whose calls ended without their reply were
// sent, so that the reply, if it comes, still counts for the node's latency. It holds no call
// and is bounded: a node that never answers costs lateCapacity entries, not one per call.
type lateReplies struct {
	mu   sync.Mutex
	ids  [lateCapacity]uint64
	sent [lateCapacity]time.Time
	next int
}

const lateCapacity = 64

func (l *lateReplies) remember(id uint64, sentAt time.Time) {
	l.mu.Lock()
	l.ids[l.next], l.sent[l.next] = id, sentAt
	l.next = (l.next + 1) % lateCapacity
	l.mu.Unlock()
}

// take returns when request id was sent, if it is remembered, and forgets it.
func (l *lateReplies) take(id uint64) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.ids {
		if x == id && id != 0 {
			l.ids[i] = 0
			return l.sent[i], true
		}
	}
	return time.Time{}, false
}
