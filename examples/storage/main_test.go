package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap/zaptest"

	storage "github.com/quorumcall/gorums/examples/storage/proto"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestLocalSession runs what `go run ./examples/storage` runs and checks the narrative's facts.
func TestLocalSession(t *testing.T) {
	var out bytes.Buffer
	if err := runLocal(testContext(t), &out, zaptest.NewLogger(t)); err != nil {
		t.Fatalf("runLocal: %v\n%s", err, out.String())
	}
	text := out.String()
	t.Log("\n" + text)

	before, after, found := strings.Cut(text, "Stopping the server of node")
	if !found {
		t.Fatal("no server was stopped")
	}
	mustContain(t, before,
		"Configuration: 3 nodes, quorum 2",
		`ReadQC()                   -> "", ts=0`,
		`WriteQC("alpha", ts=1)     -> new=true`,
		`WriteQC("beta", ts=2)      -> new=true`,
		`WriteQC("stale", ts=1)     -> new=false`,
		`ReadQC()                   -> "beta", ts=2`,
	)
	if n := strings.Count(before, `: "beta", ts=2`); n != 3 {
		t.Errorf("%d nodes have beta before the stop, want all 3", n)
	}
	mustContain(t, after,
		"Quorum calls with 2 of 3 nodes up:",
		`WriteQC("gamma", ts=3)     -> new=true`,
		`ReadQC()                   -> "gamma", ts=3`,
	)
	if n := strings.Count(after, `: "gamma", ts=3`); n != 2 {
		t.Errorf("%d nodes have gamma after the stop, want the 2 running ones", n)
	}
	if n := strings.Count(after, ": no reply ("); n != 1 {
		t.Errorf("%d nodes gave no reply after the stop, want the stopped one", n)
	}
	if !strings.HasSuffix(text, "Closed the manager.\nStopped the servers.\n") {
		t.Errorf("the session does not end with a clean shutdown")
	}
}

// TestServeAndConnect runs three servers as -server does and the -connect session against
// them twice: the second session carries on from the first one's state.
func TestServeAndConnect(t *testing.T) {
	ctx, cancel := context.WithCancel(testContext(t))
	log := zaptest.NewLogger(t)
	var (
		wg    sync.WaitGroup
		addrs []string
		outs  [3]bytes.Buffer // one per server: serve writes from its own goroutine
	)
	for i := range outs {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, lis.Addr().String())
		wg.Go(func() {
			if err := serve(ctx, &outs[i], log, lis); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}

	var first, second bytes.Buffer
	err1 := runSession(ctx, &first, log, addrs, nil)
	err2 := runSession(ctx, &second, log, addrs, nil)
	cancel()
	wg.Wait()
	if err1 != nil || err2 != nil {
		t.Fatalf("sessions: %v, %v", err1, err2)
	}
	t.Log("\n" + first.String() + "\n" + second.String())

	mustContain(t, first.String(),
		`ReadQC()                   -> "beta", ts=2`,
		"The servers are not ours to stop: skipping the failure step.",
		"Closed the manager.",
	)
	mustContain(t, second.String(),
		`ReadQC()                   -> "beta", ts=2`,
		`WriteQC("alpha", ts=3)     -> new=true`,
		`WriteQC("stale", ts=3)     -> new=false`,
		`ReadQC()                   -> "beta", ts=4`,
	)
	if n := strings.Count(second.String(), `: "beta", ts=4`); n != 3 {
		t.Errorf("%d nodes have the second session's beta, want 3", n)
	}
	for i, addr := range addrs {
		mustContain(t, outs[i].String(), "listening on "+addr, "Storage server on "+addr+" stopped.")
	}
}

func TestQSpec(t *testing.T) {
	qs := newQSpec(3)
	s1, s2 := &storage.State{Value: "a", Timestamp: 1}, &storage.State{Value: "b", Timestamp: 2}
	if _, ok := qs.ReadQCQF(nil, map[uint32]*storage.State{1: s2}); ok {
		t.Error("ReadQCQF: one reply of 3 is a quorum")
	}
	if got, ok := qs.ReadQCQF(nil, map[uint32]*storage.State{1: s1, 2: s2}); !ok || got != s2 {
		t.Errorf("ReadQCQF = %v, %t; want the newest state", got, ok)
	}
	yes, no := &storage.WriteResponse{New: true}, &storage.WriteResponse{New: false}
	if _, ok := qs.WriteQCQF(nil, map[uint32]*storage.WriteResponse{1: yes}); ok {
		t.Error("WriteQCQF: one reply of 3 is a quorum")
	}
	if got, ok := qs.WriteQCQF(nil, map[uint32]*storage.WriteResponse{1: yes, 2: yes}); !ok || !got.New {
		t.Errorf("WriteQCQF(new, new) = %v, %t", got, ok)
	}
	if got, ok := qs.WriteQCQF(nil, map[uint32]*storage.WriteResponse{1: yes, 2: no}); !ok || got.New {
		t.Errorf("WriteQCQF(new, old) = %v, %t", got, ok)
	}
}

func TestCheckFlags(t *testing.T) {
	for _, tc := range []struct {
		name            string
		server, connect string
		debug, quiet    bool
		args            []string
		ok              bool
	}{
		{name: "local", ok: true},
		{name: "server", server: ":8080", ok: true},
		{name: "connect", connect: "127.0.0.1:1,127.0.0.1:2,127.0.0.1:3", debug: true, ok: true},
		{name: "both modes", server: ":8080", connect: "127.0.0.1:1"},
		{name: "debug and quiet", debug: true, quiet: true},
		{name: "arguments", args: []string{"x"}},
		{name: "bad address", connect: "127.0.0.1:1,nohost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkFlags(tc.server, tc.connect, tc.debug, tc.quiet, tc.args)
			if (err == nil) != tc.ok {
				t.Errorf("checkFlags: %v", err)
			}
		})
	}
}

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}
