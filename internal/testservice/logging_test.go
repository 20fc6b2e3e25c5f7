package testservice

import (
	"fmt"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/logfield"
)

const quorumMethod = "gorums.testservice.TestService.Quorum"

// fields returns the entry's fields (the logger's With fields included) by key.
func fields(e observer.LoggedEntry) map[string]any { return e.ContextMap() }

func hasKeys(t *testing.T, e observer.LoggedEntry, keys ...string) map[string]any {
	t.Helper()
	m := fields(e)
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%q (%v) has no field %q: %v", e.Message, e.Level, k, m)
		}
	}
	return m
}

func asUint64(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	case int64:
		return uint64(x), true
	case int:
		return uint64(x), true
	}
	return 0, false
}

// TestLogging checks the log lines of the observability rules (docs/architecture.md, README) with an observer at Debug: a quorum call's
// trace, and a node's lifecycle (connected, stream broken, reconnecting, closed).
func TestLogging(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	srvs, addrs := StartN(t, 3, func(int) TestService { return Handlers{} })
	mgr := NewManager(Insecure(), gorums.WithLogger(zap.New(core)))
	closed := false
	t.Cleanup(func() {
		if !closed {
			mgr.Close()
		}
	}) // runs before the servers stop
	cfg := NewConfig(t, mgr, 3, addrs)
	ids := map[uint64]string{}
	for _, n := range cfg.Nodes() {
		ids[uint64(n.ID())] = n.Address()
	}

	ctx, cancel := callCtx()
	defer cancel()
	if _, err := cfg.Quorum(ctx, &Request{Seq: 1}); err != nil {
		t.Fatal(err)
	}

	// Node lifecycle: connected, at Info, with node_id and addr.
	connected := logs.FilterMessage("node connected").All()
	if len(connected) != 3 {
		t.Errorf("%d \"node connected\" entries, want 3", len(connected))
	}
	for _, e := range connected {
		if e.Level != zapcore.InfoLevel {
			t.Errorf("\"node connected\" at %v, want info", e.Level)
		}
		m := hasKeys(t, e, logfield.KeyNodeID, logfield.KeyAddr)
		id, _ := asUint64(m[logfield.KeyNodeID])
		if addr, ok := ids[id]; !ok || m[logfield.KeyAddr] != addr {
			t.Errorf("\"node connected\" node_id=%v addr=%v does not match a node of the configuration", m[logfield.KeyNodeID], m[logfield.KeyAddr])
		}
	}

	// The call's trace at Debug: sent, one response per node, done.
	sent := logs.FilterMessage("call sent").All()
	if len(sent) != 1 {
		t.Fatalf("%d \"call sent\" entries, want 1", len(sent))
	}
	if sent[0].Level != zapcore.DebugLevel {
		t.Errorf("\"call sent\" at %v, want debug", sent[0].Level)
	}
	m := hasKeys(t, sent[0], logfield.KeyMethod, logfield.KeyMsgID, logfield.KeyNodes)
	if m[logfield.KeyMethod] != quorumMethod {
		t.Errorf("\"call sent\" method = %v, want %s", m[logfield.KeyMethod], quorumMethod)
	}
	msgID := m[logfield.KeyMsgID]
	if nodes, ok := m[logfield.KeyNodes].([]any); !ok || len(nodes) != 3 {
		t.Errorf("\"call sent\" nodes = %#v, want the 3 node IDs", m[logfield.KeyNodes])
	} else {
		for _, v := range nodes {
			if id, _ := asUint64(v); ids[id] == "" {
				t.Errorf("\"call sent\" nodes has %v, not a node of the configuration", v)
			}
		}
	}

	responses := logs.FilterMessage("response").All()
	if len(responses) != 3 {
		t.Errorf("%d \"response\" entries, want 3 (one per node)", len(responses))
	}
	seen := map[uint64]bool{}
	for _, e := range responses {
		if e.Level != zapcore.DebugLevel {
			t.Errorf("\"response\" at %v, want debug", e.Level)
		}
		m := hasKeys(t, e, logfield.KeyNodeID, logfield.KeyLatency)
		if m[logfield.KeyMsgID] != msgID {
			t.Errorf("\"response\" msg_id = %v, want %v", m[logfield.KeyMsgID], msgID)
		}
		id, _ := asUint64(m[logfield.KeyNodeID])
		seen[id] = true
	}
	if len(seen) != 3 {
		t.Errorf("responses logged for nodes %v, want all 3", seen)
	}

	done := logs.FilterMessage("call done").All()
	if len(done) != 1 {
		t.Fatalf("%d \"call done\" entries, want 1", len(done))
	}
	if done[0].Level != zapcore.DebugLevel {
		t.Errorf("\"call done\" at %v, want debug", done[0].Level)
	}
	m = hasKeys(t, done[0], logfield.KeyQuorum, logfield.KeyReplies, logfield.KeyLatency)
	if m[logfield.KeyQuorum] != true {
		t.Errorf("\"call done\" quorum = %v, want true", m[logfield.KeyQuorum])
	}
	if r, _ := asUint64(m[logfield.KeyReplies]); r != 3 {
		t.Errorf("\"call done\" replies = %v, want 3", m[logfield.KeyReplies])
	}
	if m[logfield.KeyMsgID] != msgID {
		t.Errorf("\"call done\" msg_id = %v, want %v", m[logfield.KeyMsgID], msgID)
	}

	// Stopping a server breaks its node's stream: a Warn with the node's ID.
	var stoppedID uint64
	for id, addr := range ids {
		if addr == srvs[0].Addr {
			stoppedID = id
		}
	}
	srvs[0].Stop()
	broken := func() []observer.LoggedEntry {
		return logs.Filter(func(e observer.LoggedEntry) bool {
			if e.Message != "stream broken" {
				return false
			}
			id, _ := asUint64(e.ContextMap()[logfield.KeyNodeID])
			return id == stoppedID
		}).All()
	}
	if err := Poll(10*time.Second, func() bool { return len(broken()) > 0 }); err != nil {
		t.Fatalf("no \"stream broken\" entry for node %d after its server stopped", stoppedID)
	}
	if e := broken()[0]; e.Level != zapcore.WarnLevel {
		t.Errorf("\"stream broken\" at %v, want warn", e.Level)
	}
	// The stream had carried replies: the node reconnects at once, and says so.
	reconnecting := func() []observer.LoggedEntry {
		return logs.Filter(func(e observer.LoggedEntry) bool {
			id, _ := asUint64(e.ContextMap()[logfield.KeyNodeID])
			return e.Message == "reconnecting" && id == stoppedID
		}).All()
	}
	if err := Poll(10*time.Second, func() bool { return len(reconnecting()) > 0 }); err != nil {
		t.Fatalf("no \"reconnecting\" entry for node %d after its stream broke", stoppedID)
	}
	if e := reconnecting()[0]; e.Level != zapcore.InfoLevel {
		t.Errorf("\"reconnecting\" at %v, want info", e.Level)
	}

	// Close logs "node closed" for each node; after Close nothing more is logged.
	mgr.Close()
	closed = true
	closedEntries := logs.FilterMessage("node closed").All()
	if len(closedEntries) != 3 {
		t.Errorf("%d \"node closed\" entries, want 3", len(closedEntries))
	}
	for _, e := range closedEntries {
		m := hasKeys(t, e, logfield.KeyNodeID)
		id, _ := asUint64(m[logfield.KeyNodeID])
		if ids[id] == "" {
			t.Errorf("\"node closed\" for unknown node_id %v", m[logfield.KeyNodeID])
		}
		if e.Level < zapcore.InfoLevel {
			t.Errorf("\"node closed\" at %v, want info or above", e.Level)
		}
	}
	n := logs.Len()
	srvs[1].Stop()
	srvs[2].Stop()
	if got := logs.Len(); got != n {
		t.Errorf("%d entries logged after Close: %v", got-n, logs.All()[n:])
	}
	if t.Failed() {
		for _, e := range logs.All() {
			t.Logf("%v %s %v", e.Level, e.Message, fmt.Sprint(e.ContextMap()))
		}
	}
}

// TestLoggingInfoLevel: with the logger at Info, a quorum call logs no Debug entries, and the
// lifecycle entries still appear.
func TestLoggingInfoLevel(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	_, addrs := StartN(t, 3, func(int) TestService { return Handlers{} })
	mgr := NewManager(Insecure(), gorums.WithLogger(zap.New(core)))
	t.Cleanup(func() { mgr.Close() })
	cfg := NewConfig(t, mgr, 2, addrs)
	ctx, cancel := callCtx()
	defer cancel()
	for seq := range uint64(10) {
		if _, err := cfg.Quorum(ctx, &Request{Seq: seq}); err != nil {
			t.Fatal(err)
		}
		if _, err := cfg.Nodes()[int(seq)%3].Ordered(ctx, &Request{Seq: seq}); err != nil {
			t.Fatal(err)
		}
	}
	if d := logs.FilterLevelExact(zapcore.DebugLevel).All(); len(d) != 0 {
		t.Errorf("%d debug entries at Info level: %v", len(d), d)
	}
	if logs.FilterMessage("node connected").Len() != 3 {
		t.Errorf("want 3 \"node connected\" entries at Info level, got %v", logs.All())
	}
}
