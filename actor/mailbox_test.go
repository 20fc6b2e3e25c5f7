package actor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNewMailboxCapacity(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{-3, 1}, {0, 1}, {1, 1}, {7, 7}} {
		if got := NewMailbox[int](tc.in).Cap(); got != tc.want {
			t.Errorf("NewMailbox(%d).Cap() = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestMailboxFIFOOneSender(t *testing.T) {
	const n = 1000
	m := NewMailbox[int](16)
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if err := m.Send(context.Background(), i); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := range n {
		if got := <-m.Receive(); got != i {
			t.Fatalf("message %d: got %d", i, got)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len = %d after draining", m.Len())
	}
}

type tagged struct{ sender, seq int }

func TestMailboxManySenders(t *testing.T) {
	const senders, per = 8, 500
	m := NewMailbox[tagged](4) // small, so senders often wait for room
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		wg.Go(func() {
			for i := range per {
				if err := m.Send(context.Background(), tagged{s, i}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	next := make([]int, senders)
	for range senders * per {
		msg := <-m.Receive()
		if msg.seq != next[msg.sender] {
			t.Fatalf("sender %d: got seq %d, want %d", msg.sender, msg.seq, next[msg.sender])
		}
		next[msg.sender]++
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for s, n := range next {
		if n != per {
			t.Fatalf("sender %d: %d messages arrived, want %d", s, n, per)
		}
	}
	select {
	case msg := <-m.Receive():
		t.Fatalf("extra message %+v", msg)
	default:
	}
}

func TestMailboxSendBlocksUntilContextEnds(t *testing.T) {
	m := NewMailbox[int](1)
	if err := m.Send(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() { res <- m.Send(ctx, 2) }()
	select {
	case err := <-res:
		t.Fatalf("Send on a full mailbox returned %v before ctx ended", err)
	default:
	}
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("Send = %v, want context.Canceled", err)
	}
	if m.Len() != 1 || <-m.Receive() != 1 {
		t.Fatal("the refused message was queued")
	}
}

func TestMailboxSendDeadline(t *testing.T) {
	m := NewMailbox[int](1)
	_ = m.TrySend(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := m.Send(ctx, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send = %v, want DeadlineExceeded", err)
	}
}

func TestMailboxSendUnblocksWhenRoom(t *testing.T) {
	m := NewMailbox[int](1)
	_ = m.TrySend(1)
	res := make(chan error, 1)
	go func() { res <- m.Send(context.Background(), 2) }()
	if got := <-m.Receive(); got != 1 {
		t.Fatalf("got %d", got)
	}
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if got := <-m.Receive(); got != 2 {
		t.Fatalf("got %d", got)
	}
}

func TestMailboxSendBlockedUnblocksOnStop(t *testing.T) {
	m := NewMailbox[int](1)
	_ = m.TrySend(1)
	const blocked = 4
	res := make(chan error, blocked)
	for i := range blocked {
		go func() { res <- m.Send(context.Background(), 10+i) }()
	}
	var rejected []int
	m.Stop(func(v int, err error) {
		if !errors.Is(err, ErrStopped) {
			t.Errorf("reject got %v", err)
		}
		rejected = append(rejected, v)
	})
	// Each blocked sender either got its message in before Stop's drain (and it was rejected)
	// or was refused; never both, never neither.
	refused := 0
	for range blocked {
		switch err := <-res; {
		case errors.Is(err, ErrStopped):
			refused++
		case err == nil:
		default:
			t.Fatalf("Send = %v", err)
		}
	}
	if len(rejected)+refused != blocked+1 {
		t.Fatalf("rejected %v and refused %d of %d messages", rejected, refused, blocked+1)
	}
	if rejected[0] != 1 {
		t.Fatalf("first rejected = %d, want 1 (FIFO)", rejected[0])
	}
	select {
	case <-m.stopped:
	default:
		t.Fatal("Stopped not closed")
	}
}

func TestMailboxTrySend(t *testing.T) {
	m := NewMailbox[int](2)
	for i := range 2 {
		if err := m.TrySend(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.TrySend(3); !errors.Is(err, ErrFull) {
		t.Fatalf("TrySend on full = %v, want ErrFull", err)
	}
	if m.Len() != 2 {
		t.Fatalf("Len = %d", m.Len())
	}
	m.Stop(nil)
	if err := m.TrySend(4); !errors.Is(err, ErrStopped) {
		t.Fatalf("TrySend after Stop = %v, want ErrStopped", err)
	}
}

func TestMailboxStopRejectsInOrderOnce(t *testing.T) {
	m := NewMailbox[int](8)
	for i := range 5 {
		_ = m.TrySend(i)
	}
	var got []int
	reject := func(v int, err error) {
		if err != ErrStopped {
			t.Errorf("reject err = %v", err)
		}
		got = append(got, v)
	}
	m.Stop(reject)
	m.Stop(reject) // second call does nothing
	if fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("rejected %v", got)
	}
	if err := m.Send(context.Background(), 9); !errors.Is(err, ErrStopped) {
		t.Fatalf("Send after Stop = %v", err)
	}
	if m.Len() != 0 {
		t.Fatalf("Len = %d after Stop", m.Len())
	}
}

func BenchmarkMailbox(b *testing.B) {
	for _, senders := range []int{1, 8} { // 8: 8·GOMAXPROCS concurrent senders
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			m := NewMailbox[int](1024)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for range m.Receive() {
				}
			}()
			b.ReportAllocs()
			b.SetParallelism(senders) // senders·GOMAXPROCS goroutines
			if senders == 1 {
				ctx := context.Background()
				for i := 0; b.Loop(); i++ {
					if err := m.Send(ctx, i); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					for pb.Next() {
						if err := m.Send(ctx, 1); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.StopTimer()
			close(m.queue) // ends the receiver; nothing sends any more
			<-done
		})
	}
}

// TestMailboxStopDuringSends: senders race Stop, some waiting for room and some not; every
// message is queued and then rejected by Stop's drain, or refused to its sender; never both,
// never neither.
func TestMailboxStopDuringSends(t *testing.T) {
	for round := range 200 {
		m := NewMailbox[int](16)
		const senders = 32
		var wg sync.WaitGroup
		var queued atomic.Int64
		start := make(chan struct{})
		for i := range senders {
			wg.Go(func() {
				<-start
				var err error
				if i%2 == 0 {
					err = m.Send(context.Background(), i)
				} else {
					err = m.TrySend(i)
				}
				switch {
				case err == nil:
					queued.Add(1)
				case errors.Is(err, ErrStopped), errors.Is(err, ErrFull):
				default:
					t.Errorf("send: %v", err)
				}
			})
		}
		close(start)
		rejected := 0
		m.Stop(func(int, error) { rejected++ })
		wg.Wait()
		if int64(rejected) != queued.Load() {
			t.Fatalf("round %d: %d messages queued, %d rejected by Stop", round, queued.Load(), rejected)
		}
	}
}
