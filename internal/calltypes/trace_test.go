package calltypes

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/logfield"
	"github.com/quorumcall/gorums/internal/nettest"
)

const fullName = "calltypes.CallTypes."

// Every call type logs its trace at Debug: the call sent, each node's response, the outcome.
func TestEveryCallTypeIsTraced(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	c := newCluster(t, 3, setup{insecure: true, mgrOpts: []gorums.ManagerOption{gorums.WithLogger(zap.New(core))}})
	ctx := testCtx(t)
	calls := map[string]func(){
		MOrderedRPC: func() { _, _ = c.nodes[0].OrderedRPC(ctx, &Request{}) },
		MUnicast:    func() { c.nodes[0].Unicast(ctx, &Request{}) },
		MMulticast:  func() { c.cfg.Multicast(ctx, &Request{}) },
		MQuorumCall: func() { _, _ = c.cfg.QuorumCall(ctx, &Request{}) },
		MQuorumCallAsync: func() {
			_, _ = c.cfg.QuorumCallAsync(ctx, &Request{}).Get()
		},
		MCorrectable:       func() { <-c.cfg.Correctable(ctx, &Request{}).Done() },
		MCorrectableStream: func() { <-c.cfg.CorrectableStream(ctx, &Request{}).Done() },
	}
	for method, call := range calls {
		t.Run(method, func(t *testing.T) {
			call()
			m := logs.Filter(func(e observer.LoggedEntry) bool {
				return e.ContextMap()[logfield.KeyMethod] == fullName+method && e.Level == zapcore.DebugLevel
			})
			// The async and correctable collectors log "call done" before the handle is done.
			nodes := 3
			if method == MOrderedRPC || method == MUnicast {
				nodes = 1
			}
			for msg, want := range map[string]int{"call sent": 1, "response": nodes, "call done": 1} {
				if got := m.FilterMessage(msg).Len(); got != want {
					t.Errorf("%d %q entries for %s, want %d: %v", got, msg, method, want, m.All())
				}
			}
		})
	}
}

// One-way calls report what they could not send: in the trace, and, when the caller did not
// wait (WithNoSendWaiting), as a Warn for each node that missed the message.
func TestOneWayFailuresAreLogged(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	silent := nettest.SilentListener(t)
	srv := NewServer(2, Behavior{})
	addr := startServer(t, srv)
	mgr := NewManager(
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithSendBufferSize(1),
		gorums.WithConnectWait(time.Hour),
		gorums.WithLogger(zap.New(core)),
	)
	t.Cleanup(mgr.Close)
	cfg, err := mgr.NewConfiguration(QSpec{Q: 2}, gorums.WithNodeMap(map[string]uint32{silent: 1, addr: 2}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	// An answered ordered RPC: node 2's one-message mailbox is empty again (the connection's
	// own messages included).
	if _, err := cfg.Nodes()[1].OrderedRPC(ctx, &Request{Value: BarrierValue}); err != nil {
		t.Fatal(err)
	}
	stuck := cfg.Nodes()[0]
	for range 3 { // fill node 1's one-message mailbox, whether or not its actor has begun
		stuck.Unicast(ctx, &Request{Seq: 1}, gorums.WithNoSendWaiting())
	}

	// A multicast that does not wait never blocks on the full node: that node misses it.
	done := make(chan struct{})
	go func() {
		defer close(done)
		cfg.Multicast(ctx, &Request{Seq: 2}, gorums.WithNoSendWaiting())
	}()
	waitClosed(t, done, "a multicast WithNoSendWaiting blocked on a full node")
	dropped := logs.FilterMessage("one-way message dropped").Filter(func(e observer.LoggedEntry) bool {
		return e.ContextMap()[logfield.KeyMethod] == fullName+MMulticast
	}).All()
	if len(dropped) != 1 || dropped[0].Level != zapcore.WarnLevel {
		t.Fatalf("dropped entries %v, want one Warn", dropped)
	}
	f := dropped[0].ContextMap()
	if id, _ := f[logfield.KeyNodeID].(uint32); id != 1 {
		t.Fatalf("dropped for node %v, want 1", f[logfield.KeyNodeID])
	}
	if e, ok := f[logfield.KeyError].(string); !ok || e == "" {
		t.Fatalf("dropped entry without the cause: %v", f)
	}
	if !srv.WaitFor(ctx, func(arr []Arrival) bool { return len(arr) > 0 && arr[len(arr)-1].Seq == 2 }) {
		t.Fatal("node 2 never got the multicast")
	}

	// A unicast that waits, to the full node, ends with its context, and its trace says why.
	uctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	stuck.Unicast(uctx, &Request{Seq: 3})
	cancel()
	traced := logs.Filter(func(e observer.LoggedEntry) bool {
		f := e.ContextMap()
		return e.Message == "response" && f[logfield.KeyMethod] == fullName+MUnicast && f[logfield.KeyError] != nil
	})
	if traced.Len() == 0 {
		t.Fatalf("the failed unicast left no trace: %v", logs.All())
	}
}
