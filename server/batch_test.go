package server_test

import (
	"fmt"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/quorumcall/gorums/internal/wire"
	"github.com/quorumcall/gorums/server"
)

// TestReleaseInBatchHandsOnTheRest: a stream that announced batched frames gets them
// confirmed in its response header, and the requests of one batch are handled in order; when
// the first one's handler calls Release and blocks, the new receive loop goes on with the
// rest of the batch, which is answered while that handler waits.
func TestReleaseInBatchHandsOnTheRest(t *testing.T) {
	srv := server.New()
	b := newBlocker(true)
	srv.RegisterHandler("test.Svc.Block", b.handler())
	ts := startServer(t, srv)
	cs := openStream(t, ts.addr, wire.BatchKey, wire.BatchVersion)

	header, err := cs.stream.Header()
	if err != nil {
		t.Fatal(err)
	}
	if v := header.Get(wire.BatchKey); len(v) != 1 || v[0] != wire.BatchVersion {
		t.Fatalf("response header %s = %q, want %q", wire.BatchKey, v, wire.BatchVersion)
	}

	envelope := func(id uint64, method, value string) []byte {
		b, err := wire.Encode(id, method, nil, nil, wrapperspb.String(value))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cs.sendRaw(wire.AppendBatch(nil,
		envelope(1, "test.Svc.Block", "k"),
		envelope(2, echoMethod, "a"),
		envelope(3, echoMethod, "b"),
	))
	if v := <-b.started; v != "k" {
		t.Fatalf("started %q", v)
	}
	in := &wire.Message{AcceptBatches: true} // the server's replies may come batched too
	recv := func() string {
		t.Helper()
		if !in.Next() {
			if err := cs.stream.RecvMsg(in); err != nil {
				t.Fatalf("RecvMsg: %v", err)
			}
		}
		if in.DecodeErr != nil || in.Status != nil {
			t.Fatalf("reply %d: %v, status %v", in.MessageID, in.DecodeErr, in.Status)
		}
		var v wrapperspb.StringValue
		if err := proto.Unmarshal(in.Payload, &v); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(in.MessageID, ":", v.GetValue())
	}
	// k blocks, released: the envelopes after it in the batch are handled meanwhile.
	if got := recv() + " " + recv(); got != "2:echo a 3:echo b" {
		t.Fatalf("replies while k blocks: %s", got)
	}
	b.open("k")
	if got := recv(); got != "1:k" {
		t.Fatalf("reply after k opened: %s", got)
	}
}

// TestConfirmationAnnouncesLimit: the server's confirmation of batching says how large a
// message it accepts, the limit its gRPC server was built with (read from the options given
// with WithGRPCServerOptions), or gRPC's default of 4 MiB.
func TestConfirmationAnnouncesLimit(t *testing.T) {
	for _, tc := range []struct {
		opts []server.Option
		want string
	}{
		{want: fmt.Sprint(wire.DefaultRecvLimit)},
		{opts: []server.Option{server.WithGRPCServerOptions(grpc.MaxRecvMsgSize(12345))}, want: "12345"},
		{opts: []server.Option{server.WithGRPCServerOptions(grpc.MaxRecvMsgSize(12345), grpc.MaxRecvMsgSize(777))}, want: "777"},
	} {
		ts := startServer(t, server.New(tc.opts...))
		cs := openStream(t, ts.addr, wire.BatchKey, wire.BatchVersion)
		header, err := cs.stream.Header()
		if err != nil {
			t.Fatal(err)
		}
		if v := header.Get(wire.BatchLimitKey); len(v) != 1 || v[0] != tc.want {
			t.Errorf("response header %s = %q, want %q", wire.BatchLimitKey, v, tc.want)
		}
	}
}
