package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
	"github.com/quorumcall/gorums/internal/wire"
)

// frameCounter is a gRPC stats handler counting the NodeStream messages a side sends, those
// of them that are batches, and the envelopes in them (a batch carries one or more); read
// receipts are not counted.
type frameCounter struct {
	messages, batches, envelopes atomic.Int64
	largest                      atomic.Int64 // bytes of the largest message
}

// reset sets the counts to zero; nothing may be sent meanwhile.
func (c *frameCounter) reset() {
	c.messages.Store(0)
	c.batches.Store(0)
	c.envelopes.Store(0)
	c.largest.Store(0)
}

func (c *frameCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (c *frameCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c *frameCounter) HandleConn(context.Context, stats.ConnStats) {}
func (c *frameCounter) HandleRPC(_ context.Context, s stats.RPCStats) {
	out, ok := s.(*stats.OutPayload)
	if !ok {
		return
	}
	f, ok := out.Payload.(*wire.Frame)
	if !ok || isReceipt(f.Bytes) {
		return
	}
	c.messages.Add(1)
	for size := int64(len(f.Bytes)); ; {
		old := c.largest.Load()
		if size <= old || c.largest.CompareAndSwap(old, size) {
			break
		}
	}
	if !wire.IsBatch(f.Bytes) {
		c.envelopes.Add(1)
		return
	}
	c.batches.Add(1)
	for rest := f.Bytes[1:]; len(rest) > 0; {
		_, r, err := wire.SplitBatch(rest)
		if err != nil {
			return
		}
		c.envelopes.Add(1)
		rest = r
	}
}

// isReceipt reports whether b is a read-receipt request or answer, which the node sends of its
// own accord and the counts leave out.
func isReceipt(b []byte) bool {
	var m wire.Message
	return !wire.IsBatch(b) && m.Decode(b) == nil && m.Method == wire.ReceiptMethod
}

// Between two Gorums peers, requests queued together travel as batches: here the server holds
// its first request until the client has sent every request, so that they queue up at the
// client; with batching off on either side, every request is a gRPC message of its own. The
// replies are right and in order either way. While other calls are in flight every request
// goes in a batch, even one found alone, so that the server may gather its reply with theirs;
// a lone call's request goes as a single envelope.
func TestBatchesBetweenGorumsPeers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		srvOpts   []gorums.ServerOption
		mgrOpts   []gorums.ManagerOption
		wantBatch bool
	}{
		{name: "both batch", wantBatch: true},
		{name: "server without batching", srvOpts: []gorums.ServerOption{gorums.WithNoBatching()}},
		{name: "client without batching", mgrOpts: []gorums.ManagerOption{gorums.WithNoBatching()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200
			release := make(chan struct{})
			var handled []uint64
			var mu sync.Mutex
			srv := ts.Start(t, ts.Both(func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
				if req.GetSeq() == 0 {
					select {
					case <-release:
					case <-ctx.Done():
					}
				}
				mu.Lock()
				handled = append(handled, req.GetSeq())
				mu.Unlock()
				return ts.Echo(req), nil
			}), tc.srvOpts...)
			var sent frameCounter
			mgr := ts.NewTestManager(t, append(tc.mgrOpts, gorums.WithGrpcDialOptions(grpc.WithStatsHandler(&sent)))...)
			cfg := ts.NewConfig(t, mgr, 1, []string{srv.Addr})
			node := cfg.Nodes()[0]
			ctx := ts.Ctx(t, 30*time.Second)
			value := strings.Repeat("v", 200) // 200 requests: more than the stream's inline window
			// A first call opens the stream and, with its reply, shows the server's answer to
			// the announcement; the counts start after it.
			if err := orderedEcho(ctx, node, n+3, value); err != nil {
				t.Fatal(err)
			}
			// gRPC tells the stats handler after it has taken the message, which may be after
			// the reply came back.
			if err := ts.Poll(20*time.Second, func() bool { return sent.envelopes.Load() == 1 }); err != nil {
				t.Fatalf("the first call's request counted %d times", sent.envelopes.Load())
			}
			sent.reset()
			// The first request is in the server's handler before the others go; the second,
			// sent while the first call is in flight, goes alone.
			queueBehindFirst(t, ctx, node, n, 2, value, &sent, release)
			messages := sent.messages.Load()
			if tc.wantBatch && messages >= n {
				t.Fatalf("%d requests in %d gRPC messages: no batch", n, messages)
			}
			if !tc.wantBatch && messages != n {
				t.Fatalf("%d requests in %d gRPC messages, want one each", n, messages)
			}
			if batches := sent.batches.Load(); tc.wantBatch && batches != messages-1 {
				t.Fatalf("%d of %d gRPC messages are batches, want all but the lone first call's", batches, messages)
			}
			t.Logf("%d requests in %d gRPC messages", n, messages)
			// Calls one after another: each is alone, and its request goes as a single envelope.
			before := sent.batches.Load()
			for i := range 3 {
				if err := orderedEcho(ctx, node, uint64(n+4+i), value); err != nil {
					t.Fatal(err)
				}
			}
			if batches := sent.batches.Load(); batches != before {
				t.Fatalf("%d lone calls sent %d batches, want none", 3, batches-before)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(handled) != n+4 || handled[1] != 0 {
				t.Fatalf("the server handled %d requests, the first after the first call %d", len(handled), handled[1])
			}
		})
	}
}

// queueBehindFirst makes n ordered RPCs of value to node at once, so that their requests queue
// at the client: the first alone requests (numbered from 0) one after another, each once the
// one before was sent, then the rest together. The server holds request 0 until release is
// closed, which queueBehindFirst does once all n requests were sent (sent counts what the
// client sends, reset before). Every call must succeed.
func queueBehindFirst(t *testing.T, ctx context.Context, node *ts.Node, n, alone int, value string, sent *frameCounter, release chan struct{}) {
	t.Helper()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs <- orderedEcho(ctx, node, uint64(i), value) })
		if i < alone {
			if err := ts.Poll(20*time.Second, func() bool { return sent.envelopes.Load() > int64(i) }); err != nil {
				t.Fatalf("request %d was never sent", i)
			}
		}
	}
	if err := ts.Poll(20*time.Second, func() bool { return sent.envelopes.Load() == int64(n) }); err != nil {
		t.Fatalf("%d of %d requests sent", sent.envelopes.Load(), n)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func orderedEcho(ctx context.Context, node *ts.Node, seq uint64, value string) error {
	r, err := node.Ordered(ctx, &ts.Request{Seq: seq, Value: value})
	if err != nil {
		return fmt.Errorf("request %d: %w", seq, err)
	}
	if r.GetSeq() != seq || r.GetValue() != value {
		return fmt.Errorf("request %d: reply %d", seq, r.GetSeq())
	}
	return nil
}

// A configuration may mix servers that batch and servers that do not.
func TestMixedBatchingConfiguration(t *testing.T) {
	var addrs []string
	for i := range 3 {
		var opts []gorums.ServerOption
		if i == 1 {
			opts = append(opts, gorums.WithNoBatching())
		}
		addrs = append(addrs, ts.Start(t, ts.Handlers{}, opts...).Addr)
	}
	cfg := ts.NewConfig(t, ts.NewTestManager(t), 3, addrs)
	ctx := ts.Ctx(t, 30*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			r, err := cfg.Quorum(ctx, &ts.Request{Seq: uint64(i)})
			if err == nil && r.GetSeq() != uint64(i) {
				err = fmt.Errorf("call %d: reply %d", i, r.GetSeq())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A client that does not announce batching (any raw client, or Gorums of another version) never
// gets a batch: here 300 requests are sent before any reply is read, so that replies queue at
// the server, and each reply still comes as a gRPC message of its own.
func TestRawClientGetsNoBatch(t *testing.T) {
	b := startBufServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := b.newStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300
	for i := range n {
		frame, err := wire.Encode(uint64(i+1), orderedMethod, nil, nil, &ts.Request{Seq: uint64(i + 1)})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SendMsg(&wire.Frame{Bytes: frame}); err != nil {
			t.Fatal(err)
		}
	}
	if md, err := st.Header(); err != nil || len(md.Get(wire.BatchKey)) > 0 {
		t.Fatalf("header %v (%v): the server confirmed batching to a client that did not ask", md, err)
	}
	for i := range n {
		var m wire.Message // does not accept batches: a batch would not decode
		if err := st.RecvMsg(&m); err != nil {
			t.Fatalf("reply %d: %v", i+1, err)
		}
		if m.DecodeErr != nil || m.MessageID != uint64(i+1) {
			t.Fatalf("reply %d: id %d, %v", i+1, m.MessageID, m.DecodeErr)
		}
	}
}

// A malformed batch from a client that negotiated batching ends only its stream, with a clear
// status; the server serves other streams on.
func TestMalformedBatchEndsOnlyItsStream(t *testing.T) {
	b := startBufServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := b.newStream(metadata.AppendToOutgoingContext(ctx, wire.BatchKey, wire.BatchVersion))
	if err != nil {
		t.Fatal(err)
	}
	md, err := st.Header()
	if err != nil || len(md.Get(wire.BatchKey)) == 0 {
		t.Fatalf("header %v (%v): the server did not confirm batching", md, err)
	}
	good, _ := wire.Encode(1, orderedMethod, nil, nil, &ts.Request{Seq: 1})
	bad := wire.StartBatch(nil)
	bad = wire.AppendToBatch(bad, good)
	bad = append(bad, 0xff) // the next envelope's length never ends
	if err := st.SendMsg(&wire.Frame{Bytes: bad}); err != nil {
		t.Fatal(err)
	}
	var m wire.Message
	m.AcceptBatches = true
	for {
		err = st.RecvMsg(&m)
		if err != nil {
			break
		}
	}
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("stream ended with %v, want InvalidArgument naming the malformed message", err)
	}
	b.checkServes(t, 7)
}
