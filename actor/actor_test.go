package actor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestActorHandlesInOrder(t *testing.T) {
	const n = 200
	m := NewMailbox[int](8)
	var got []int
	all := make(chan struct{})
	a := Start(context.Background(), m, func(_ context.Context, v int) {
		got = append(got, v) // only the actor's goroutine touches got
		if v == n-1 {
			close(all)
		}
	}, Config[int]{})
	for i := range n {
		if err := m.Send(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	<-all
	a.StopAndWait()
	for i, v := range got {
		if v != i {
			t.Fatalf("handled %v, not in order", got)
		}
	}
}

func TestActorDoneClosesOnStopAndOnContextEnd(t *testing.T) {
	a := Start(context.Background(), NewMailbox[int](1), func(context.Context, int) {}, Config[int]{})
	select {
	case <-a.Done():
		t.Fatal("Done closed before Stop")
	default:
	}
	a.Stop()
	<-a.Done()
	a.Stop() // again: harmless
	a.StopAndWait()

	ctx, cancel := context.WithCancel(context.Background())
	b := Start(ctx, NewMailbox[int](1), func(context.Context, int) {}, Config[int]{})
	cancel()
	<-b.Done()
}

func TestActorHandlerSeesContextEndOnStop(t *testing.T) {
	m := NewMailbox[int](1)
	started := make(chan struct{})
	var sawCancel atomic.Bool
	a := Start(context.Background(), m, func(ctx context.Context, _ int) {
		close(started)
		<-ctx.Done()
		sawCancel.Store(true)
	}, Config[int]{})
	_ = m.Send(context.Background(), 1)
	<-started
	a.StopAndWait()
	if !sawCancel.Load() {
		t.Fatal("handler did not see its context end")
	}
}

func TestActorPanicContainment(t *testing.T) {
	m := NewMailbox[string](4)
	var (
		mu       sync.Mutex
		panics   []error
		panicMsg []string
		handled  []string
	)
	last := make(chan struct{})
	a := Start(context.Background(), m, func(_ context.Context, s string) {
		if strings.HasPrefix(s, "boom") {
			panic("kaboom: " + s)
		}
		mu.Lock()
		handled = append(handled, s)
		mu.Unlock()
		if s == "last" {
			close(last)
		}
	}, Config[string]{OnPanic: func(s string, err error) {
		mu.Lock()
		defer mu.Unlock()
		panics = append(panics, err)
		panicMsg = append(panicMsg, s)
	}})
	t.Cleanup(a.StopAndWait)
	for _, s := range []string{"a", "boom1", "b", "boom2", "last"} {
		if err := m.Send(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	<-last
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(handled) != "[a b last]" {
		t.Fatalf("handled %v", handled)
	}
	if fmt.Sprint(panicMsg) != "[boom1 boom2]" {
		t.Fatalf("OnPanic messages %v", panicMsg)
	}
	for i, err := range panics {
		var pe *PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("OnPanic got %T, want *PanicError", err)
		}
		want := "kaboom: " + panicMsg[i]
		if pe.Value != want {
			t.Fatalf("PanicError.Value = %v, want %q", pe.Value, want)
		}
		if !strings.Contains(pe.Error(), want) || len(pe.Stack) == 0 {
			t.Fatalf("PanicError: %q, stack %d bytes", pe.Error(), len(pe.Stack))
		}
	}
}

func TestActorPanicWithoutHook(t *testing.T) {
	m := NewMailbox[int](2)
	ok := make(chan struct{})
	a := Start(context.Background(), m, func(_ context.Context, v int) {
		if v == 0 {
			panic("no hook")
		}
		close(ok)
	}, Config[int]{})
	t.Cleanup(a.StopAndWait)
	_ = m.Send(context.Background(), 0)
	_ = m.Send(context.Background(), 1)
	<-ok
}

// TestActorStopWhileBusy stops an actor whose handler is blocked with messages queued behind
// it: each queued message is rejected once, in order, after OnStop; later Sends are refused.
func TestActorStopWhileBusy(t *testing.T) {
	m := NewMailbox[int](16)
	entered := make(chan struct{})
	release := make(chan struct{})
	var (
		events   []string // appended on the actor's goroutine only
		handled  []int
		rejected []int
	)
	a := Start(context.Background(), m, func(_ context.Context, v int) {
		handled = append(handled, v)
		if v == 0 {
			close(entered)
			<-release
		}
	}, Config[int]{
		Reject: func(v int, err error) {
			if !errors.Is(err, ErrStopped) {
				t.Errorf("reject %d with %v", v, err)
			}
			events = append(events, "reject")
			rejected = append(rejected, v)
		},
		OnStop: func() { events = append(events, "stop") },
	})
	for i := range 6 {
		if err := m.Send(context.Background(), i); err != nil {
			t.Fatal(err)
		}
	}
	<-entered
	a.Stop()
	close(release)
	<-a.Done()
	if err := m.Send(context.Background(), 99); !errors.Is(err, ErrStopped) {
		t.Fatalf("Send after stop = %v, want ErrStopped", err)
	}
	if err := m.TrySend(99); !errors.Is(err, ErrStopped) {
		t.Fatalf("TrySend after stop = %v, want ErrStopped", err)
	}
	if fmt.Sprint(handled) != "[0]" {
		t.Fatalf("handled %v, want only the busy message", handled)
	}
	if fmt.Sprint(rejected) != "[1 2 3 4 5]" {
		t.Fatalf("rejected %v", rejected)
	}
	if events[0] != "stop" {
		t.Fatalf("events %v: OnStop must run before the rejects", events)
	}
	for _, e := range events[1:] {
		if e != "reject" {
			t.Fatalf("events %v", events)
		}
	}
}

// TestActorStopRace races concurrent senders against Stop: every message is handled,
// rejected or refused to its sender, exactly one of the three.
func TestActorStopRace(t *testing.T) {
	for round := range 50 {
		const senders, per = 4, 100
		m := NewMailbox[int](round%8 + 1)
		seen := make([]atomic.Int32, senders*per)
		var handled, rejected, refused atomic.Int64
		a := Start(context.Background(), m, func(_ context.Context, v int) {
			seen[v].Add(1)
			handled.Add(1)
		}, Config[int]{Reject: func(v int, err error) {
			seen[v].Add(1)
			rejected.Add(1)
		}})
		var wg sync.WaitGroup
		start := make(chan struct{})
		for s := range senders {
			wg.Go(func() {
				<-start
				for i := range per {
					v := s*per + i
					switch err := m.Send(context.Background(), v); {
					case err == nil:
					case errors.Is(err, ErrStopped):
						seen[v].Add(1)
						refused.Add(1)
					default:
						t.Errorf("Send = %v", err)
					}
				}
			})
		}
		close(start)
		if round%2 == 0 {
			waitFor(t, "some messages", func() bool { return handled.Load() > int64(round) })
		}
		a.Stop()
		wg.Wait()
		<-a.Done()
		if h, r, f := handled.Load(), rejected.Load(), refused.Load(); h+r+f != senders*per {
			t.Fatalf("round %d: handled %d + rejected %d + refused %d != %d", round, h, r, f, senders*per)
		}
		for v := range seen {
			if c := seen[v].Load(); c != 1 {
				t.Fatalf("round %d: message %d accounted %d times", round, v, c)
			}
		}
	}
}
