package abd_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/quorumcall/gorums/examples/register/abd"
	"github.com/quorumcall/gorums/examples/register/proto"
)

// TestLinearizableWithMinorityCrashes runs concurrent clients against 5 replicas while 2 of
// them (a minority) crash mid-run and stay down, records every operation in a history, and
// checks with porcupine that the history is linearizable and that every acknowledged write is
// in it.
func TestLinearizableWithMinorityCrashes(t *testing.T) {
	const (
		nServers     = 5
		nClients     = 4
		opsPerClient = 150
		totalOps     = nClients * opsPerClient
		opTimeout    = 10 * time.Second
	)
	// The replicas that crash, and after how many completed operations (of all clients):
	// the second crash comes while the register already runs on 4 replicas.
	crashes := []struct{ server, afterOps int }{{server: 1, afterOps: totalOps / 5}, {server: 3, afterOps: totalOps / 2}}

	cl := startCluster(t, nServers)
	h := newHistory()
	var (
		completed atomic.Int64 // operations completed, successfully or not
		crashMu   sync.Mutex
		crashedAt []int64 // history time of each crash
	)
	// crashIfDue stops the replicas whose crash point the n-th completed operation reached.
	// The client that completes that operation stops the server; the others go on meanwhile.
	crashIfDue := func(n int64) {
		for _, c := range crashes {
			if n == int64(c.afterOps) {
				cl.Stop(c.server)
				crashMu.Lock()
				crashedAt = append(crashedAt, h.now())
				crashMu.Unlock()
				t.Logf("crashed replica %d (%s) after %d operations", c.server, cl.addrs[c.server], n)
			}
		}
	}

	type result struct {
		acked       []string // values of acknowledged writes
		reads       int
		failedReads int
		failedWrite int
		firstErr    error
	}
	results := make([]result, nClients)
	var wg sync.WaitGroup
	for id := range nClients {
		// Each client has its own manager, as separate processes would.
		mgr := newManager(t)
		client := abd.NewClient(newConfig(t, mgr, abd.NewMajorityQSpec(nServers), cl.addrs), uint32(id+1))
		wg.Go(func() {
			res := &results[id]
			rng := rand.New(rand.NewPCG(uint64(id), 42))
			for i := range opsPerClient {
				ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
				call := h.now()
				var err error
				if rng.IntN(5) < 2 { // 40% writes, each of a value no one else writes
					value := fmt.Sprintf("c%d-w%d", id, i)
					err = client.Write(ctx, value)
					h.write(id, value, call, err)
					if err == nil {
						res.acked = append(res.acked, value)
					} else {
						res.failedWrite++
					}
				} else {
					var value string
					value, err = client.Read(ctx)
					h.read(id, value, call, err)
					if err == nil {
						res.reads++
					} else {
						res.failedReads++
					}
				}
				cancel()
				if err != nil && res.firstErr == nil {
					res.firstErr = err
				}
				crashIfDue(completed.Add(1))
			}
		})
	}
	wg.Wait()

	// A last read, after every other operation, by a client of its own.
	final := abd.NewClient(newConfig(t, newManager(t), abd.NewMajorityQSpec(nServers), cl.addrs), 1000)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := h.now()
	finalValue, err := final.Read(ctx)
	h.read(nClients, finalValue, call, err)
	if err != nil {
		t.Fatalf("final read: %v", err)
	}

	if len(crashedAt) != len(crashes) {
		t.Fatalf("%d replicas crashed, want %d", len(crashedAt), len(crashes))
	}
	var acked []string
	reads, failed := 1, 0
	for id, r := range results {
		acked = append(acked, r.acked...)
		reads += r.reads
		failed += r.failedReads + r.failedWrite
		if r.firstErr != nil {
			// A crashed minority must not stop a call that the live majority can answer.
			t.Errorf("client %d: %d reads and %d writes failed; first: %v", id, r.failedReads, r.failedWrite, r.firstErr)
		}
	}
	ops := h.operations()
	afterCrash := 0
	for _, op := range ops {
		if op.Call > crashedAt[len(crashedAt)-1] {
			afterCrash++
		}
	}
	t.Logf("%d operations in %v: %d acknowledged writes, %d failed operations, %d reads (final read %q); %d operations started after the last crash",
		len(ops), time.Duration(h.now()).Round(time.Millisecond), len(acked), failed, reads, finalValue, afterCrash)
	if afterCrash == 0 {
		t.Errorf("no operation started after the last crash")
	}

	// Every acknowledged write is in the history, as a write that returned.
	inHistory := map[string]bool{}
	for _, op := range ops {
		if in := op.Input.(regInput); in.write && op.Return != pending {
			inHistory[in.value] = true
		}
	}
	for _, v := range acked {
		if !inHistory[v] {
			t.Errorf("acknowledged write %q is not in the history", v)
		}
	}
	// Every replica, crashed or not, holds a written value; the live ones hold the final one
	// or newer. The crashed ones stay down: none is restarted with empty state.
	written := map[string]bool{"": true}
	for _, op := range ops {
		if in := op.Input.(regInput); in.write {
			written[in.value] = true
		}
	}
	if !written[finalValue] {
		t.Errorf("final read returned %q, which no one wrote", finalValue)
	}
	for i, rep := range cl.replicas {
		v := rep.Value()
		t.Logf("replica %d: value %q tag (%d, %d)", i, v.GetValue(), v.GetTimestamp(), v.GetWriter())
		if !written[v.GetValue()] {
			t.Errorf("replica %d holds %q, which no one wrote", i, v.GetValue())
		}
	}

	if res := check(t, ops, porcupine.Ok); res != porcupine.Ok {
		t.Fatalf("porcupine: history of %d operations is %s, want %s", len(ops), res, porcupine.Ok)
	}
	t.Logf("porcupine: history of %d operations from %d clients is linearizable", len(ops), nClients+1)
}

// TestCheckerDetectsViolation shows that the checker of TestLinearizableWithMinorityCrashes
// can fail: on a hand-built history, and on a real run of a reader that skips Read's
// write-back phase.
func TestCheckerDetectsViolation(t *testing.T) {
	t.Run("hand-built", func(t *testing.T) {
		w := porcupine.Operation{ClientId: 0, Input: regInput{write: true, value: "x"}, Call: 0, Return: 10}
		stale := porcupine.Operation{ClientId: 1, Input: regInput{}, Output: "", Call: 20, Return: 30}
		if res := check(t, []porcupine.Operation{w, stale}, porcupine.Illegal); res != porcupine.Illegal {
			t.Errorf("write(x) then read() -> \"\": %s, want %s", res, porcupine.Illegal)
		}
		// The same read overlapping the write is fine.
		stale.Call = 5
		if res := check(t, []porcupine.Operation{w, stale}, porcupine.Ok); res != porcupine.Ok {
			t.Errorf("write(x) overlapping read() -> \"\": %s, want %s", res, porcupine.Ok)
		}
		// A write that failed may take effect late or never: either read is fine.
		w.Return = pending
		stale.Call = 20
		x := porcupine.Operation{ClientId: 2, Input: regInput{}, Output: "x", Call: 40, Return: 50}
		if res := check(t, []porcupine.Operation{w, stale, x}, porcupine.Ok); res != porcupine.Ok {
			t.Errorf("failed write(x), read() -> \"\", read() -> x: %s, want %s", res, porcupine.Ok)
		}
		// But not a new value, then the old one again.
		again := porcupine.Operation{ClientId: 1, Input: regInput{}, Output: "", Call: 60, Return: 70}
		if res := check(t, []porcupine.Operation{w, stale, x, again}, porcupine.Illegal); res != porcupine.Illegal {
			t.Errorf("failed write(x), read() -> \"\", read() -> x, read() -> \"\": %s, want %s", res, porcupine.Illegal)
		}
	})

	// The classic new-old inversion: a write is still in progress and has so far reached one
	// replica, A. Reader 1 reads {A, B, C} and sees the new value; reader 2 then reads
	// {C, D, E} and, unless reader 1 wrote the value back to a majority, sees the old one.
	// Slow links are emulated with configurations: the writer's message has reached only A,
	// and each reader's quorum is exactly the three replicas its configuration names.
	newOldInversion := func(t *testing.T, writeBack bool) (first, second string, res porcupine.CheckResult) {
		cl := startCluster(t, 5)
		mgr := newManager(t)
		nodes := newConfig(t, mgr, abd.NewMajorityQSpec(5), cl.addrs).Nodes() // sorted by ID
		addr := func(i int) string { return nodes[i].Address() }
		partial := newConfig(t, mgr, &abd.QSpec{Quorum: 1}, []string{addr(0)})
		left := newConfig(t, mgr, abd.NewMajorityQSpec(5), []string{addr(0), addr(1), addr(2)})
		right := newConfig(t, mgr, abd.NewMajorityQSpec(5), []string{addr(2), addr(3), addr(4)})

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h := newHistory()
		call := h.now()
		if _, err := partial.Write(ctx, &proto.Value{Value: "new", Timestamp: 1, Writer: 9}); err != nil {
			t.Fatal(err)
		}
		h.write(0, "new", call, fmt.Errorf("still in progress")) // it never returns

		read := func(cfg *proto.Configuration, client int) string {
			call := h.now()
			var value string
			if writeBack {
				var err error
				if value, err = abd.NewClient(cfg, uint32(client)).Read(ctx); err != nil {
					t.Fatal(err)
				}
			} else {
				// Read without its write-back phase: wrong.
				v, err := cfg.Read(ctx, &proto.ReadRequest{})
				if err != nil {
					t.Fatal(err)
				}
				value = v.GetValue()
			}
			h.read(client, value, call, nil)
			return value
		}
		first = read(left, 1)
		second = read(right, 2)
		want := porcupine.Illegal
		if writeBack {
			want = porcupine.Ok
		}
		return first, second, check(t, h.operations(), want)
	}
	t.Run("read without write-back", func(t *testing.T) {
		first, second, res := newOldInversion(t, false)
		if first != "new" || second != "" {
			t.Fatalf("reads returned %q then %q, want \"new\" then \"\"", first, second)
		}
		if res != porcupine.Illegal {
			t.Errorf("porcupine: %s, want %s", res, porcupine.Illegal)
		}
	})
	t.Run("read with write-back", func(t *testing.T) {
		first, second, res := newOldInversion(t, true)
		if first != "new" || second != "new" {
			t.Fatalf("reads returned %q then %q, want \"new\" twice", first, second)
		}
		if res != porcupine.Ok {
			t.Errorf("porcupine: %s, want %s", res, porcupine.Ok)
		}
	})
}

// TestRestartedEmptyReplicaLosesWrites shows why a crashed replica must stay out (or keep its
// state): a write acknowledged by replicas A, B and C (a majority of 5) is lost once A and B
// crash and come back empty at their old addresses, because the majority {A, B, D} no longer
// holds it. As in TestCheckerDetectsViolation, slow links are emulated with configurations:
// the write's messages to D and E are still on their way, and the reader hears from A, B
// and D first.
func TestRestartedEmptyReplicaLosesWrites(t *testing.T) {
	cl := startCluster(t, 5)
	mgr := newManager(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := newHistory()

	abc := newConfig(t, mgr, abd.NewMajorityQSpec(5), cl.addrs[0:3])
	call := h.now()
	err := abd.NewClient(abc, 1).Write(ctx, "acknowledged")
	h.write(0, "acknowledged", call, err)
	if err != nil {
		t.Fatal(err)
	}

	cl.restartEmpty(0)
	cl.restartEmpty(1)

	// A reader with connections of its own, so that it does not wait for the first
	// manager's node actors to notice the restart and reconnect.
	abdQuorum := newConfig(t, newManager(t), abd.NewMajorityQSpec(5), []string{cl.addrs[0], cl.addrs[1], cl.addrs[3]})
	call = h.now()
	value, err := abd.NewClient(abdQuorum, 2).Read(ctx)
	h.read(1, value, call, err)
	if err != nil {
		t.Fatal(err)
	}
	if value != "" {
		t.Fatalf("read %q, want the initial value \"\" (the write lost)", value)
	}
	if res := check(t, h.operations(), porcupine.Illegal); res != porcupine.Illegal {
		t.Errorf("porcupine: %s, want %s", res, porcupine.Illegal)
	}
}
