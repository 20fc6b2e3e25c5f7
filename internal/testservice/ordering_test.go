package testservice

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quorumcall/gorums"
)

// seqLog records, per server, the sequence numbers of the requests it handled, in handling order.
type seqLog struct {
	mu   sync.Mutex
	seqs []uint64
}

// handler records each request's Seq and answers with it and the server's name.
func (l *seqLog) handler(name string) HandlerFunc {
	return func(_ gorums.ServerCtx, req *Request) (*Response, error) {
		l.mu.Lock()
		l.seqs = append(l.seqs, req.GetSeq())
		l.mu.Unlock()
		return &Response{Seq: req.GetSeq(), Server: name}, nil
	}
}

func (l *seqLog) snapshot() []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]uint64(nil), l.seqs...)
}

// TestFIFOMixedCallTypes issues 200 ordered RPCs and quorum calls, mixed, from one goroutine
// and checks that every server handled the requests it got in the order they were issued. The
// quorum calls need one reply only, so they return while the other servers still have
// requests queued, and later calls overtake nothing but the caller's patience.
func TestFIFOMixedCallTypes(t *testing.T) {
	const n, calls = 3, 200
	logs := make([]*seqLog, n)
	for i := range n {
		logs[i] = &seqLog{}
	}
	_, addrs := StartN(t, n, func(i int) TestService { return Both(logs[i].handler(fmt.Sprint(i))) })
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, addrs)
	byAddr := map[string]int{}
	for i, a := range addrs {
		byAddr[a] = i
	}
	nodes := cfg.Nodes()
	want := make([]int, n) // requests each server must eventually handle
	// One context for the whole run: a request still queued for a slow node when its call's
	// context ends is not sent at all (the guide: cancel outstanding RPCs at your own risk), so
	// canceling each call's context after it returned would leave gaps in the servers' logs.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for seq := uint64(1); seq <= calls; seq++ {
		if seq%3 == 0 {
			node := nodes[int(seq/3)%n]
			resp, err := node.Ordered(ctx, &Request{Seq: seq})
			if err != nil {
				t.Fatalf("Ordered(seq %d) on %v: %v", seq, node.Address(), err)
			}
			if resp.GetSeq() != seq || resp.GetServer() != fmt.Sprint(byAddr[node.Address()]) {
				t.Errorf("Ordered(seq %d) on %s = %v", seq, node.Address(), resp)
			}
			want[byAddr[node.Address()]]++
		} else {
			if _, err := cfg.Quorum(ctx, &Request{Seq: seq}); err != nil {
				t.Fatalf("Quorum(seq %d): %v", seq, err)
			}
			for i := range want {
				want[i]++
			}
		}
	}
	for i, l := range logs {
		if err := Poll(10*time.Second, func() bool { return len(l.snapshot()) >= want[i] }); err != nil {
			t.Fatalf("server %d handled %d requests, want %d", i, len(l.snapshot()), want[i])
		}
		seqs := l.snapshot()
		if len(seqs) != want[i] {
			t.Errorf("server %d handled %d requests, want %d", i, len(seqs), want[i])
		}
		for k := 1; k < len(seqs); k++ {
			if seqs[k] <= seqs[k-1] {
				t.Fatalf("server %d handled seq %d after seq %d (position %d): not FIFO", i, seqs[k], seqs[k-1], k)
			}
		}
	}
}

// TestInOrderHandlingWithoutRelease sends many requests at once on one stream (many caller
// goroutines, one manager) to handlers that never call Release: they must run one at a time.
func TestInOrderHandlingWithoutRelease(t *testing.T) {
	var cur, maxSeen, handled atomic.Int64
	h := func(_ gorums.ServerCtx, req *Request) (*Response, error) {
		c := cur.Add(1)
		for {
			m := maxSeen.Load()
			if c <= m || maxSeen.CompareAndSwap(m, c) {
				break
			}
		}
		for range 20 {
			runtime.Gosched() // give an overlapping handler, if there were one, room to run
		}
		cur.Add(-1)
		handled.Add(1)
		return Echo(req), nil
	}
	srv := Start(t, Both(h))
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, []string{srv.Addr})
	node := cfg.Nodes()[0]

	const callers, perCaller = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, callers*perCaller)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range perCaller {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				var err error
				if k%2 == 0 {
					_, err = node.Ordered(ctx, &Request{Seq: uint64(c*perCaller + k)})
				} else {
					_, err = cfg.Quorum(ctx, &Request{Seq: uint64(c*perCaller + k)})
				}
				cancel()
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := handled.Load(); got != callers*perCaller {
		t.Errorf("handled %d requests, want %d", got, callers*perCaller)
	}
	if m := maxSeen.Load(); m != 1 {
		t.Errorf("max concurrent handlers on one stream = %d, want 1", m)
	}
}

// TestReleaseLetsNextRequestStart: a handler that calls Release and then blocks lets the next
// request of its stream start, run and reply while it still runs.
func TestReleaseLetsNextRequestStart(t *testing.T) {
	firstStarted := make(chan struct{})
	proceed := make(chan struct{})
	var firstReturned atomic.Bool
	h := func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		switch req.GetValue() {
		case "release-and-block":
			ctx.Release()
			close(firstStarted)
			select {
			case <-proceed:
			case <-ctx.Done():
			}
			firstReturned.Store(true)
		case "next":
			if firstReturned.Load() {
				return nil, fmt.Errorf("the released handler returned before the next request started")
			}
		}
		return Echo(req), nil
	}
	srv := Start(t, Both(h))
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, []string{srv.Addr})
	node := cfg.Nodes()[0]
	t.Cleanup(func() {
		select {
		case <-proceed:
		default:
			close(proceed)
		}
	})

	firstDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := node.Ordered(ctx, &Request{Seq: 1, Value: "release-and-block"})
		firstDone <- err
	}()
	<-firstStarted
	// The first handler is blocked and has released: the next request runs to completion.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if resp, err := node.Ordered(ctx, &Request{Seq: 2, Value: "next"}); err != nil || resp.GetSeq() != 2 {
		t.Fatalf("Ordered(next) = %v, %v", resp, err)
	}
	if resp, err := cfg.Quorum(ctx, &Request{Seq: 3, Value: "next"}); err != nil || resp.GetSeq() != 3 {
		t.Fatalf("Quorum(next) = %v, %v", resp, err)
	}
	select {
	case err := <-firstDone:
		t.Fatalf("the released, blocked call returned early: %v", err)
	default:
	}
	close(proceed)
	if err := <-firstDone; err != nil {
		t.Fatalf("Ordered(release-and-block): %v", err)
	}
}

// TestNoReleaseNextWaits: without Release the next request of the stream starts only after the
// blocked handler returned.
func TestNoReleaseNextWaits(t *testing.T) {
	firstStarted := make(chan struct{})
	proceed := make(chan struct{})
	var firstReturned atomic.Bool
	h := func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		switch req.GetValue() {
		case "block":
			close(firstStarted)
			select {
			case <-proceed:
			case <-ctx.Done():
			}
			firstReturned.Store(true)
		case "next":
			if !firstReturned.Load() {
				return nil, fmt.Errorf("the next request started while the blocked handler ran")
			}
		}
		return Echo(req), nil
	}
	srv := Start(t, Both(h))
	mgr := NewTestManager(t)
	cfg := NewConfig(t, mgr, 1, []string{srv.Addr})
	node := cfg.Nodes()[0]

	firstDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := node.Ordered(ctx, &Request{Seq: 1, Value: "block"})
		firstDone <- err
	}()
	<-firstStarted
	nextDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := cfg.Quorum(ctx, &Request{Seq: 2, Value: "next"})
		nextDone <- err
	}()
	// The next request's outcome can only come once the first handler returns.
	select {
	case err := <-nextDone:
		t.Fatalf("the next call returned while the first handler blocked: %v", err)
	case err := <-firstDone:
		t.Fatalf("the blocked call returned early: %v", err)
	default:
	}
	close(proceed)
	if err := <-firstDone; err != nil {
		t.Fatal(err)
	}
	if err := <-nextDone; err != nil {
		t.Fatal(err)
	}
}

// TestBlockedHandlerBlocksOnlyItsStream: a handler that blocks without Release holds up its own
// client's stream only; another client of the same server is served.
func TestBlockedHandlerBlocksOnlyItsStream(t *testing.T) {
	started := make(chan struct{})
	proceed := make(chan struct{})
	h := func(ctx gorums.ServerCtx, req *Request) (*Response, error) {
		if req.GetValue() == "block" {
			close(started)
			select {
			case <-proceed:
			case <-ctx.Done():
			}
		}
		return Echo(req), nil
	}
	srv := Start(t, Both(h))
	blockedMgr := NewTestManager(t)
	blocked := NewConfig(t, blockedMgr, 1, []string{srv.Addr}).Nodes()[0]
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := blocked.Ordered(ctx, &Request{Value: "block"})
		done <- err
	}()
	<-started
	otherMgr := NewTestManager(t)
	other := NewConfig(t, otherMgr, 1, []string{srv.Addr})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := other.Nodes()[0].Ordered(ctx, &Request{Seq: 7}); err != nil {
		t.Fatalf("other client's Ordered: %v", err)
	}
	if _, err := other.Quorum(ctx, &Request{Seq: 8}); err != nil {
		t.Fatalf("other client's Quorum: %v", err)
	}
	close(proceed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
