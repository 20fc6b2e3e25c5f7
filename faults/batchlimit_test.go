package faults

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// Batches respect the limits on message size of both ends: a server that takes at most 2 KiB
// per gRPC message, a client that does, or a server that sends at most that. 120 requests of
// 300 bytes queue up (the server holds the first until all are sent), and their replies queue
// up behind it; both go as batches, none over the limit where it applies, and every call
// succeeds. A single
// message over the limit fails its own call with ResourceExhausted, and the stream stays up.
func TestBatchesWithinPeerLimit(t *testing.T) {
	const limit = 2048
	for _, tc := range []struct {
		name    string
		limited string // the direction the limit is on
		srvOpts []gorums.ServerOption
		mgrOpts []gorums.ManagerOption
	}{
		{name: "server receive limit", limited: "requests", srvOpts: []gorums.ServerOption{gorums.WithGRPCServerOptions(grpc.MaxRecvMsgSize(limit))}},
		{name: "server send limit", limited: "replies", srvOpts: []gorums.ServerOption{gorums.WithGRPCServerOptions(grpc.MaxSendMsgSize(limit))}},
		{name: "client receive limit", limited: "replies", mgrOpts: []gorums.ManagerOption{gorums.WithGrpcDialOptions(
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(limit)))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 120
			release := make(chan struct{})
			var replies frameCounter
			srvOpts := append(tc.srvOpts, gorums.WithGRPCServerOptions(grpc.StatsHandler(&replies)))
			srv := ts.Start(t, ts.Both(func(ctx gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
				if req.GetSeq() == 0 {
					select {
					case <-release:
					case <-ctx.Done():
					}
				}
				return ts.Echo(req), nil
			}), srvOpts...)
			var requests frameCounter
			mgr := ts.NewTestManager(t, append(tc.mgrOpts, gorums.WithGrpcDialOptions(grpc.WithStatsHandler(&requests)))...)
			node := ts.NewConfig(t, mgr, 1, []string{srv.Addr}).Nodes()[0]
			ctx := ts.Ctx(t, 30*time.Second)
			value := strings.Repeat("v", 300)
			if err := orderedEcho(ctx, node, n+1, value); err != nil {
				t.Fatal(err)
			}
			if err := ts.Poll(20*time.Second, func() bool {
				return requests.envelopes.Load() == 1 && replies.envelopes.Load() == 1
			}); err != nil {
				t.Fatalf("the first call's request and reply counted %d and %d times", requests.envelopes.Load(), replies.envelopes.Load())
			}
			requests.reset()
			replies.reset()

			queueBehindFirst(t, ctx, node, n, 1, value, &requests, release)
			for _, c := range []struct {
				what string
				fc   *frameCounter
			}{{"requests", &requests}, {"replies", &replies}} {
				m, largest := c.fc.messages.Load(), c.fc.largest.Load()
				t.Logf("%d %s in %d gRPC messages, the largest of %d bytes", n, c.what, m, largest)
				if m >= n {
					t.Errorf("%d %s in %d gRPC messages: no batch", n, c.what, m)
				}
				if c.what == tc.limited && largest > limit {
					t.Errorf("%s: a gRPC message of %d bytes, over the limit of %d", c.what, largest, limit)
				}
			}

			// One message over the limit: the request, or its echo, is too large.
			err := orderedEcho(ctx, node, n+2, strings.Repeat("x", 2*limit))
			if status.Code(err) != codes.ResourceExhausted {
				t.Fatalf("a call with a message over the limit: %v, want ResourceExhausted", err)
			}
			t.Logf("over the limit: %v", err)
			if err := orderedEcho(ctx, node, n+3, value); err != nil {
				t.Fatalf("the next call: %v", err)
			}
			if got := node.LastErr(); got != nil {
				t.Fatalf("the node's stream broke: %v", got)
			}
		})
	}
}
