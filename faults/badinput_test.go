package faults

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
	"github.com/quorumcall/gorums/internal/wire"
)

const (
	orderedMethod = "gorums.testservice.TestService.Ordered"
	quorumMethod  = "gorums.testservice.TestService.Quorum"
)

// bufServer is a gorums server of the test service on an in-memory listener, with a raw
// gRPC client connection to it.
type bufServer struct {
	srv  *gorums.Server
	conn *grpc.ClientConn
}

func startBufServer(tb testing.TB) *bufServer {
	tb.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := gorums.NewServer()
	ts.RegisterTestServiceServer(srv, ts.Handlers{})
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(lis)
	}()
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
		<-served
	})
	return &bufServer{srv: srv, conn: conn}
}

// newStream opens a raw NodeStream, ended when ctx ends.
func (b *bufServer) newStream(ctx context.Context) (grpc.ClientStream, error) {
	return b.conn.NewStream(ctx, &wire.StreamDesc, wire.FullMethod, grpc.CallContentSubtype(wire.CodecName))
}

// checkServes asserts a valid Ordered request on a new stream gets its echo.
func (b *bufServer) checkServes(t *testing.T, seq uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := b.newStream(ctx)
	if err != nil {
		t.Fatalf("new stream after the bad input: %v", err)
	}
	frame, err := wire.Encode(seq, orderedMethod, nil, nil, &ts.Request{Seq: seq, Value: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SendMsg(&wire.Frame{Bytes: frame}); err != nil {
		t.Fatalf("send a valid request on a new stream: %v", err)
	}
	var m wire.Message
	if err := st.RecvMsg(&m); err != nil {
		t.Fatalf("valid request on a new stream: %v", err)
	}
	if m.MessageID != seq || m.Method != orderedMethod || m.Status != nil {
		t.Fatalf("valid request on a new stream: reply id %d method %q status %v", m.MessageID, m.Method, m.Status)
	}
	var resp ts.Response
	if err := proto.Unmarshal(m.Payload, &resp); err != nil || resp.GetSeq() != seq || resp.GetValue() != "ok" {
		t.Fatalf("valid request on a new stream: reply %v (%v)", &resp, err)
	}
}

// FuzzServerDispatch sends one NodeStream message with an arbitrary message ID, method and
// payload (or, with raw set, the payload bytes as the whole gRPC message, envelope included)
// on a raw stream to a real server. The server must answer it, echoing the message ID, or end
// the stream with a status, and afterwards serve a valid request on a new stream.
func FuzzServerDispatch(f *testing.F) {
	b := startBufServer(f)
	f.Fuzz(func(t *testing.T, id uint64, method string, payload []byte, raw bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := b.newStream(ctx)
		if err != nil {
			t.Fatalf("new stream: %v", err)
		}
		var frame []byte
		if raw {
			frame = payload
		} else {
			frame, err = wire.AppendMessage(nil, &wire.Message{MessageID: id, Method: method, Payload: payload})
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
		}
		// A send may fail if the server has already ended the stream; RecvMsg tells why.
		_ = st.SendMsg(&wire.Frame{Bytes: frame})
		var m wire.Message
		err = st.RecvMsg(&m)
		if ctx.Err() != nil {
			t.Fatalf("the server neither answered nor ended the stream: %v", err)
		}
		if err != nil {
			t.Logf("stream ended: %v", err)
		} else {
			t.Logf("reply: id %d method %q status %v", m.MessageID, m.Method, m.Status)
		}
		switch {
		case err != nil:
			s, ok := status.FromError(err)
			if !ok || s.Code() == codes.OK || s.Code() == codes.Unknown {
				t.Fatalf("stream ended without a clear status: %v", err)
			}
		case !raw && m.MessageID != id:
			t.Fatalf("reply to message %d carries id %d", id, m.MessageID)
		case m.Status == nil && m.Method != orderedMethod && m.Method != quorumMethod:
			t.Fatalf("a reply without status for method %q, which is not served", m.Method)
		}
		cancel() // ends the fuzzed stream
		b.checkServes(t, id|1)
	})
}

// TestOversizedRequest: a server that accepts at most 1 KiB per message gets a 4 KiB ordered
// RPC. The caller gets ResourceExhausted; the server goes on serving other clients, new
// streams, and the same client once its node has reconnected.
func TestOversizedRequest(t *testing.T) {
	s := ts.Start(t, ts.Handlers{}, gorums.WithGRPCServerOptions(grpc.MaxRecvMsgSize(1024)))
	mgr := newManager(t)
	cfg := ts.NewConfig(t, mgr, 1, []string{s.Addr})
	node := cfg.Nodes()[0]

	ordered := func(n *ts.Node, seq uint64, value string) error {
		ctx, cancel := ctxFor(t)
		defer cancel()
		resp, err := n.Ordered(ctx, &ts.Request{Seq: seq, Value: value})
		if err == nil && resp.GetSeq() != seq {
			t.Fatalf("reply for seq %d, want %d", resp.GetSeq(), seq)
		}
		return err
	}
	if err := ordered(node, 1, "small"); err != nil {
		t.Fatalf("small request: %v", err)
	}

	err := ordered(node, 2, strings.Repeat("x", 4096))
	if c := status.Code(err); c != codes.ResourceExhausted {
		t.Fatalf("4 KiB request to a 1 KiB server: code %v, want ResourceExhausted: %v", c, err)
	}
	t.Logf("oversized request: %v", err)

	// Another client.
	other := newManager(t)
	otherNode := ts.NewConfig(t, other, 1, []string{s.Addr}).Nodes()[0]
	if err := ordered(otherNode, 3, "other client"); err != nil {
		t.Fatalf("another client after the oversized request: %v", err)
	}
	// A new stream of the other client's own connection.
	conn, err := grpc.NewClient(s.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	(&bufServer{conn: conn}).checkServes(t, 4)

	// The same client, once its node has a stream again.
	var last error
	if err := ts.Poll(10*time.Second, func() bool { last = ordered(node, 5, "again"); return last == nil }); err != nil {
		t.Fatalf("the same client did not get through again: %v", last)
	}
}
