package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeStream is the write side of a stream for replyQueue tests: it records frames, checks
// that no two writes overlap, and can hold writes until a gate opens.
type fakeStream struct {
	mu      sync.Mutex
	written [][]byte
	writers atomic.Int32
	overlap atomic.Bool
	gate    chan struct{} // if not nil, writes wait for it to close
	fail    error         // if set, writes fail with it
	broken  []error
	writes  []int // frames per write: more than one is a batch
}

func (f *fakeStream) write(frames []outFrame) error {
	if f.writers.Add(1) > 1 {
		f.overlap.Store(true)
	}
	defer f.writers.Add(-1)
	if f.gate != nil {
		<-f.gate
	}
	if f.fail != nil {
		return f.fail
	}
	f.mu.Lock()
	for _, o := range frames {
		f.written = append(f.written, append([]byte(nil), o.Bytes...))
		o.Release()
	}
	f.writes = append(f.writes, len(frames))
	f.mu.Unlock()
	return nil
}

func (f *fakeStream) onBroken(err error) {
	f.mu.Lock()
	f.broken = append(f.broken, err)
	f.mu.Unlock()
}

func (f *fakeStream) frames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.written))
	for i, b := range f.written {
		out[i] = string(b)
	}
	return out
}

// send is what a replier does for a request that came in a batch: admit (or reserve len(b)),
// then push.
func send(ctx context.Context, q *replyQueue, b []byte) error {
	reserved := 0
	if !q.admitIfEmpty() {
		reserved = len(b)
		if err := q.reserve(ctx, reserved); err != nil {
			return err
		}
	}
	return q.push(outFrame{Bytes: b}, reserved, true)
}

func (q *replyQueue) state() (count, bytes, waiters int, writing bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count, q.bytes, q.waiters, q.writing
}

// waitFor polls cond until it holds, failing the test after a generous failsafe. The sleep is
// the polling interval, not synchronisation: cond decides.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestReplyQueueOneWriterInOrder: many goroutines send at once; writes never overlap, each
// goroutine's replies leave in its order, and the queue ends empty with no writer and no
// buffer kept.
func TestReplyQueueOneWriterInOrder(t *testing.T) {
	f := &fakeStream{}
	q := newReplyQueue(1<<20, 1024, f.write, f.onBroken)
	const senders, each = 8, 500
	var wg sync.WaitGroup
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := send(context.Background(), &q, fmt.Appendf(nil, "%d/%d", g, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if f.overlap.Load() {
		t.Fatal("two goroutines wrote at once")
	}
	got := f.frames()
	if len(got) != senders*each {
		t.Fatalf("%d frames written, want %d", len(got), senders*each)
	}
	next := make([]int, senders)
	for _, fr := range got {
		var g, i int
		if _, err := fmt.Sscanf(fr, "%d/%d", &g, &i); err != nil {
			t.Fatal(err)
		}
		if i != next[g] {
			t.Fatalf("sender %d: frame %d written after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	count, bytes, waiters, writing := q.state()
	if count != 0 || bytes != 0 || waiters != 0 || writing || q.full.Load() || cap(q.frames) > 64 {
		t.Fatalf("after the burst: count %d bytes %d waiters %d writing %v full %v cap %d", count, bytes, waiters, writing, q.full.Load(), cap(q.frames))
	}
}

// TestReplyQueueBoundedInBytes: while the writer is stuck, senders are admitted up to the
// byte bound and then wait, the queue reports full, and waitRoom waits; once writes go on,
// everything leaves in order.
func TestReplyQueueBoundedInBytes(t *testing.T) {
	f := &fakeStream{gate: make(chan struct{})}
	const frame, bound = 100, 1000
	q := newReplyQueue(bound, 1<<20, f.write, f.onBroken)
	errs := make(chan error, 20)
	go func() { errs <- send(context.Background(), &q, make([]byte, frame)) }() // the writer, stuck
	waitFor(t, "the first sender writes", func() bool { return f.writers.Load() == 1 })
	for i := 1; i < 20; i++ {
		go func() { errs <- send(context.Background(), &q, []byte(fmt.Sprintf("%0100d", i))) }()
	}
	waitFor(t, "the senders beyond the bound wait", func() bool {
		count, _, waiters, _ := q.state()
		return count+waiters == 20 && waiters > 0
	})
	count, bytes, waiters, _ := q.state()
	if bytes > bound || count != bound/frame || waiters != 20-bound/frame {
		t.Fatalf("with the writer stuck: %d replies of %d bytes admitted, %d waiting; want %d admitted within %d bytes", count, bytes, waiters, bound/frame, bound)
	}
	if !q.full.Load() {
		t.Fatal("queue at its bound does not report full")
	}
	// The admitted senders have queued their replies and returned; the others still wait.
	admitted := bound/frame - 1 // the writer's own reply is the first admitted
	waitFor(t, "the admitted senders return", func() bool { return len(errs) == admitted })
	roomed := make(chan struct{})
	go func() { q.waitRoom(context.Background()); close(roomed) }()
	select {
	case <-roomed:
		t.Fatal("waitRoom returned while the queue was full")
	default:
	}
	if len(errs) != admitted {
		t.Fatalf("%d senders returned while the writer was stuck, want %d", len(errs), admitted)
	}
	close(f.gate)
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	<-roomed
	if n := len(f.frames()); n != 20 {
		t.Fatalf("%d frames written, want 20", n)
	}
}

// TestReplyQueueLargeReplyPasses: a reply larger than the whole bound goes out when the queue
// is empty, and a second one waits for it.
func TestReplyQueueLargeReplyPasses(t *testing.T) {
	f := &fakeStream{gate: make(chan struct{})}
	q := newReplyQueue(10, 1<<20, f.write, f.onBroken)
	errs := make(chan error, 2)
	go func() { errs <- send(context.Background(), &q, make([]byte, 100)) }()
	waitFor(t, "the large reply is written", func() bool { return f.writers.Load() == 1 })
	go func() { errs <- send(context.Background(), &q, make([]byte, 100)) }()
	waitFor(t, "the second large reply waits", func() bool { _, _, w, _ := q.state(); return w == 1 })
	close(f.gate)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplyQueueBoundedInCount: the reply bound holds as the byte bound does.
func TestReplyQueueBoundedInCount(t *testing.T) {
	f := &fakeStream{gate: make(chan struct{})}
	q := newReplyQueue(1<<20, 3, f.write, f.onBroken)
	errs := make(chan error, 5)
	for i := range 5 {
		go func() { errs <- send(context.Background(), &q, []byte{byte(i)}) }()
	}
	waitFor(t, "two senders wait", func() bool { c, _, w, _ := q.state(); return c == 3 && w == 2 })
	close(f.gate)
	for range 5 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestReplyQueueWaitEndsWithContext: a sender waiting for room gives up when its context ends,
// and its place is not taken.
func TestReplyQueueWaitEndsWithContext(t *testing.T) {
	f := &fakeStream{gate: make(chan struct{})}
	q := newReplyQueue(10, 1<<20, f.write, f.onBroken)
	first := make(chan error, 1)
	go func() { first <- send(context.Background(), &q, make([]byte, 10)) }()
	waitFor(t, "the first reply is written", func() bool { return f.writers.Load() == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	waited := make(chan error, 1)
	go func() { waited <- send(ctx, &q, make([]byte, 10)) }()
	waitFor(t, "the second sender waits", func() bool { _, _, w, _ := q.state(); return w == 1 })
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting sender whose context ended: %v", err)
	}
	close(f.gate)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if c, b, w, writing := q.state(); c != 0 || b != 0 || w != 0 || writing {
		t.Fatalf("count %d bytes %d waiters %d writing %v", c, b, w, writing)
	}
}

// TestReplyQueueWriteFails: a failed write closes the queue: the stream is told once, queued
// replies are dropped, waiting and later senders fail.
func TestReplyQueueWriteFails(t *testing.T) {
	broken := errors.New("transport gone")
	f := &fakeStream{gate: make(chan struct{}), fail: broken}
	q := newReplyQueue(10, 1<<20, f.write, f.onBroken)
	errs := make(chan error, 3)
	go func() { errs <- send(context.Background(), &q, make([]byte, 5)) }()
	waitFor(t, "the first reply is written", func() bool { return f.writers.Load() == 1 })
	go func() { errs <- send(context.Background(), &q, make([]byte, 5)) }()  // queued
	go func() { errs <- send(context.Background(), &q, make([]byte, 10)) }() // waits
	waitFor(t, "one queued, one waiting", func() bool { c, _, w, _ := q.state(); return c == 2 && w == 1 })
	close(f.gate)
	var writerErr, queuedOK, waiterErr int
	for range 3 {
		switch err := <-errs; {
		case err == nil:
			queuedOK++ // queued before the failure: the sender had already returned
		case errors.Is(err, broken):
			writerErr++
		default:
			waiterErr++
		}
	}
	if writerErr != 2 || queuedOK != 1 {
		t.Fatalf("writer/waiter errors %d, queued ok %d, other %d", writerErr, queuedOK, waiterErr)
	}
	if len(f.broken) != 1 || !errors.Is(f.broken[0], broken) {
		t.Fatalf("stream told %v", f.broken)
	}
	if err := send(context.Background(), &q, []byte{1}); !errors.Is(err, broken) {
		t.Fatalf("send after the failure: %v", err)
	}
	if len(f.frames()) != 0 {
		t.Fatal("a frame was written after all")
	}
}

// TestReplyQueueCloseWaitsForWriter: close refuses new replies at once and returns only after
// the writer's current write.
func TestReplyQueueCloseWaitsForWriter(t *testing.T) {
	f := &fakeStream{gate: make(chan struct{})}
	q := newReplyQueue(1<<20, 1<<20, f.write, f.onBroken)
	sent := make(chan error, 1)
	go func() { sent <- send(context.Background(), &q, []byte("a")) }()
	waitFor(t, "the reply is written", func() bool { return f.writers.Load() == 1 })
	queued := send(context.Background(), &q, []byte("b"))
	if queued != nil {
		t.Fatal(queued)
	}
	closed := make(chan struct{})
	go func() { q.close(errStreamClosed); close(closed) }()
	waitFor(t, "the queue refuses replies", func() bool { return send(context.Background(), &q, []byte("c")) != nil })
	select {
	case <-closed:
		t.Fatal("close returned during a write")
	default:
	}
	close(f.gate)
	<-closed
	if err := <-sent; err != nil {
		t.Fatalf("the write in progress: %v", err)
	}
	if got := f.frames(); len(got) != 1 || got[0] != "a" {
		t.Fatalf("written %q: the queued reply must be dropped at close", got)
	}
	if q.waitIdle(context.Background()) {
		t.Fatal("waitIdle on a closed queue reports it emptied")
	}
}

// TestReplyQueueBatches: replies queued while the writer writes leave together, as one batch,
// when the stream batches, and one by one when it does not; in order either way.
func TestReplyQueueBatches(t *testing.T) {
	for _, batch := range []bool{true, false} {
		t.Run(fmt.Sprint("batch=", batch), func(t *testing.T) {
			f := &fakeStream{gate: make(chan struct{})}
			q := newReplyQueue(1<<20, 1024, f.write, f.onBroken)
			q.batch = batch
			ctx := context.Background()
			done := make(chan error, 1)
			go func() { done <- send(ctx, &q, []byte("first")) }()
			waitFor(t, "the first reply is being written", func() bool { return f.writers.Load() == 1 })
			for i := range 5 {
				if err := send(ctx, &q, []byte(fmt.Sprint("r", i))); err != nil {
					t.Fatal(err)
				}
			}
			close(f.gate)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if !q.waitIdle(ctx) { // a stream that batches writes on a goroutine of its own
				t.Fatal("the queue closed")
			}
			q.close(errStreamClosed)
			want := []string{"first", "r0", "r1", "r2", "r3", "r4"}
			if got := f.frames(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("frames %v, want %v", got, want)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			wantWrites := []int{1, 5}
			if !batch {
				wantWrites = []int{1, 1, 1, 1, 1, 1}
			}
			if fmt.Sprint(f.writes) != fmt.Sprint(wantWrites) {
				t.Fatalf("frames per write %v, want %v", f.writes, wantWrites)
			}
		})
	}
}

// TestReplyToLoneRequestIsWrittenBySender: on a stream that batches, a reply that may gather
// with others (its request came in a batch) is written by a writer goroutine, so its sender
// returns while the write waits; a reply to a request that came alone is written by its sender
// before push returns, as on a stream that does not batch.
func TestReplyToLoneRequestIsWrittenBySender(t *testing.T) {
	f := &fakeStream{gate: make(chan struct{})}
	q := newReplyQueue(1<<20, 1024, f.write, f.onBroken)
	q.batch = true
	if !q.admitIfEmpty() {
		t.Fatal("an empty queue refused a reply")
	}
	if err := q.push(outFrame{Bytes: []byte("gathered")}, 0, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the writer goroutine writes", func() bool { return f.writers.Load() == 1 })
	close(f.gate) // push returned while the write waited: another goroutine writes
	if !q.waitIdle(context.Background()) {
		t.Fatal("the queue closed")
	}

	if !q.admitIfEmpty() {
		t.Fatal("an empty queue refused a reply")
	}
	if err := q.push(outFrame{Bytes: []byte("alone")}, 0, false); err != nil {
		t.Fatal(err)
	}
	if got := f.frames(); fmt.Sprint(got) != "[gathered alone]" {
		t.Fatalf("written when push returned: %v, want [gathered alone]", got)
	}
	if _, _, _, writing := q.state(); writing {
		t.Fatal("the sender left the queue with a writer at work")
	}
	q.close(errStreamClosed)
}

// TestWriterGoroutineGathersAtStart: the writer goroutine of a batching stream, which starts
// some time after the reply that started it, sends the replies queued meanwhile in the same
// batch as that reply, not after it alone.
func TestWriterGoroutineGathersAtStart(t *testing.T) {
	f := &fakeStream{}
	q := newReplyQueue(1<<20, 1024, f.write, f.onBroken)
	q.batch = true
	// As push leaves the queue for the goroutine it starts: that reply admitted and a writer at
	// work, and then three more replies queued before the goroutine runs.
	if !q.admitIfEmpty() {
		t.Fatal("an empty queue refused a reply")
	}
	q.mu.Lock()
	q.writing = true
	q.mu.Unlock()
	for _, r := range []string{"r1", "r2", "r3"} {
		if err := send(context.Background(), &q, []byte(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.run(outFrame{Bytes: []byte("r0")}, true); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	writes := fmt.Sprint(f.writes)
	f.mu.Unlock()
	if got := f.frames(); fmt.Sprint(got) != "[r0 r1 r2 r3]" || writes != "[4]" {
		t.Fatalf("wrote %v in writes of %s frames, want [r0 r1 r2 r3] in one write of 4", got, writes)
	}
	q.close(errStreamClosed)
}
