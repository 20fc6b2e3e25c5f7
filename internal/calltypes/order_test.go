package calltypes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/nettest"
)

const oneWayCount = 50

// TestOneWayOrder sends 50 unicasts to each node, 50 multicasts and 50 per-node multicasts,
// with and without WithNoSendWaiting, and checks that each server got every message once, in
// the order sent, with its own per-node value.
func TestOneWayOrder(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		for _, noWait := range []bool{false, true} {
			t.Run(fmt.Sprintf("noSendWaiting=%v", noWait), func(t *testing.T) {
				c := newCluster(t, n, setup{})
				ctx := testCtx(t)
				var opts []gorums.CallOption
				if noWait {
					opts = append(opts, gorums.WithNoSendWaiting())
				}
				for seq := uint64(1); seq <= oneWayCount; seq++ {
					req := &Request{Value: "m", Seq: seq}
					c.cfg.Multicast(ctx, req, opts...)
					c.cfg.MulticastPerNode(ctx, req, perNodeValue, opts...)
					for _, node := range c.nodes {
						node.Unicast(ctx, req, opts...)
					}
				}
				c.barrier(t, ctx)
				want := seqRange(1, oneWayCount)
				for i, s := range c.srvs {
					for _, m := range []string{MMulticast, MMulticastPerNode, MUnicast} {
						if got := s.Seqs(m); !slices.Equal(got, want) {
							t.Errorf("server %d, %s: got seqs %v, want %v", i+1, m, got, want)
						}
					}
					// All three kinds are interleaved per sequence number, in the order sent.
					var kinds []string
					for _, a := range s.Arrivals() {
						if a.Seq == 1 {
							kinds = append(kinds, a.Method)
						}
						if a.Method == MMulticastPerNode && a.Value != fmt.Sprintf("m@%d", i+1) {
							t.Errorf("server %d got per-node value %q", i+1, a.Value)
						}
					}
					if want := []string{MMulticast, MMulticastPerNode, MUnicast}; !slices.Equal(kinds, want) {
						t.Errorf("server %d: first messages %v, want %v", i+1, kinds, want)
					}
				}
			})
		}
	})
}

// TestOneWayToDownNode: a one-way call that must wait until its message is on each node's
// stream still returns when a node is down (its actor reports the failure to send), with and
// without WithNoSendWaiting, and the live nodes get every message in order.
func TestOneWayToDownNode(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		const deadID = 1000
		c := newCluster(t, n, setup{extra: map[string]uint32{nettest.DeadAddr(t): deadID}})
		ctx := testCtx(t)
		dead := c.cfg.Nodes()[n] // IDs 1..n, then deadID
		if dead.ID() != deadID {
			t.Fatalf("last node has ID %d, want %d", dead.ID(), deadID)
		}
		for _, noWait := range []bool{false, true} {
			var opts []gorums.CallOption
			if noWait {
				opts = append(opts, gorums.WithNoSendWaiting())
			}
			returned := make(chan struct{})
			go func() {
				defer close(returned)
				for seq := uint64(1); seq <= 5; seq++ {
					req := &Request{Value: fmt.Sprint(noWait), Seq: seq}
					c.cfg.Multicast(ctx, req, opts...)
					dead.Unicast(ctx, req, opts...)
				}
			}()
			waitClosed(t, returned, fmt.Sprintf("one-way calls to a down node (noSendWaiting=%v) returned", noWait))
			if ctx.Err() != nil {
				t.Fatalf("the calls returned only because the context ended: %v", ctx.Err())
			}
		}
		c.barrier(t, ctx)
		want := append(seqRange(1, 5), seqRange(1, 5)...)
		for i, s := range c.srvs {
			if got := s.Seqs(MMulticast); !slices.Equal(got, want) {
				t.Errorf("server %d: got seqs %v, want %v", i+1, got, want)
			}
		}
		if dead.LastErr() == nil {
			t.Errorf("down node has no LastErr")
		}
	})
}

// TestMixedCallTypesFIFO issues every kind of call, mixed, from one goroutine, leaving async
// and correctable calls running while the next calls go out, and checks that every server
// handled its requests in exactly the order they were issued.
func TestMixedCallTypesFIFO(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		c := newCluster(t, n, setup{})
		ctx := testCtx(t)
		const rounds = 4
		expected := make([][]uint64, n)
		type pending struct {
			k    callKind
			req  *Request
			wait func() outcome
		}
		var calls []pending
		seq := uint64(0)
		for range rounds {
			for _, k := range callKinds {
				if k.noSeq {
					continue
				}
				seq++
				req := prepare(c, k, &Request{Value: "x", Seq: seq})
				calls = append(calls, pending{k: k, req: req, wait: k.start(ctx, c, req)})
				for _, i := range k.to(c, req) {
					expected[i] = append(expected[i], seq)
				}
			}
		}
		for _, p := range calls {
			if got, want := p.wait(), p.k.want(c, p.req); got != want {
				t.Errorf("%s seq %d = %+v, want %+v", p.k.name, p.req.Seq, got, want)
			}
		}
		c.barrier(t, ctx)
		for i, s := range c.srvs {
			if got := s.Seqs(); !slices.Equal(got, expected[i]) {
				t.Errorf("server %d handled seqs\n%v\nwant\n%v", i+1, got, expected[i])
			}
		}
	})
}

// TestAsyncIssueOrderAndSharedFutures issues 50 async quorum calls in a loop, reads every
// future from several goroutines at once (Get and Done, in different orders), and checks that
// each server got the requests in issue order.
func TestAsyncIssueOrderAndSharedFutures(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		c := newCluster(t, n, setup{})
		ctx := testCtx(t)
		const count = 50
		futures := make([]*AsyncResponse, count)
		custom := make([]*AsyncMyResponse, count)
		for i := range futures {
			seq := uint64(i + 1)
			futures[i] = c.cfg.QuorumCallAsync(ctx, &Request{Value: "a", Seq: seq})
			custom[i] = c.cfg.QuorumCallAsyncCustomReturn(ctx, &Request{Value: "b", Seq: seq})
		}
		const readers = 4
		var wg sync.WaitGroup
		errs := make(chan error, readers*count*2)
		for r := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range count {
					i := j
					if r%2 == 1 {
						i = count - 1 - j // half the readers go backwards
					}
					_ = futures[i].Done()
					resp, err := futures[i].Get()
					if err != nil {
						errs <- fmt.Errorf("future %d: %w", i, err)
						continue
					}
					if !futures[i].Done() {
						errs <- fmt.Errorf("future %d: Done is false after Get", i)
					}
					if want := summaryOf(ids(all(n)), same("a")); resp.GetResult() != want || resp.GetSeq() != uint64(i+1) {
						errs <- fmt.Errorf("future %d: got %q seq %d, want %q seq %d", i, resp.GetResult(), resp.GetSeq(), want, i+1)
					}
					my, err := custom[i].Get()
					if err != nil {
						errs <- fmt.Errorf("custom future %d: %w", i, err)
						continue
					}
					if want := summaryOf(ids(all(n)), same("b")); my.GetValue() != want || my.GetCount() != int64(n) {
						errs <- fmt.Errorf("custom future %d: got %q count %d, want %q count %d", i, my.GetValue(), my.GetCount(), want, n)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Every call needed every node, so every request has been handled.
		want := seqRange(1, count)
		for i, s := range c.srvs {
			if got := s.Seqs(MQuorumCallAsync); !slices.Equal(got, want) {
				t.Errorf("server %d: async seqs %v, want %v", i+1, got, want)
			}
			var both []uint64
			for _, a := range s.Arrivals() {
				both = append(both, a.Seq)
			}
			if len(both) != 2*count {
				t.Fatalf("server %d: %d arrivals, want %d", i+1, len(both), 2*count)
			}
			for j := range count {
				if both[2*j] != uint64(j+1) || both[2*j+1] != uint64(j+1) {
					t.Fatalf("server %d: arrivals %v are not in issue order", i+1, both)
				}
			}
		}
	})
}

// TestOneWayReturnMeansSent: without WithNoSendWaiting a one-way call returns only once its
// message is on each node's stream, so ending the call's context right after it returns
// cannot lose the message (a node actor drops queued messages whose context has ended).
func TestOneWayReturnMeansSent(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		c := newCluster(t, n, setup{})
		ctx := testCtx(t)
		for seq := uint64(1); seq <= oneWayCount; seq++ {
			callCtx, cancel := context.WithCancel(ctx)
			req := &Request{Value: "sent", Seq: seq}
			c.cfg.Multicast(callCtx, req)
			c.nodes[int(seq)%n].Unicast(callCtx, req)
			cancel()
		}
		c.barrier(t, ctx)
		for i, s := range c.srvs {
			if got, want := s.Seqs(MMulticast), seqRange(1, oneWayCount); !slices.Equal(got, want) {
				t.Errorf("server %d: multicast seqs %v, want %v", i+1, got, want)
			}
			var want []uint64
			for seq := uint64(1); seq <= oneWayCount; seq++ {
				if int(seq)%n == i {
					want = append(want, seq)
				}
			}
			if got := s.Seqs(MUnicast); !slices.Equal(got, want) {
				t.Errorf("server %d: unicast seqs %v, want %v", i+1, got, want)
			}
		}
	})
}

// TestNoSendWaitingWithStalledStream: the servers' handler for the first multicast blocks, and
// the servers' small flow-control windows let only about 64 KiB more reach them, so the node
// actors cannot put the next large messages on the streams. Multicasts with WithNoSendWaiting
// must still return (they only queue their messages); once the handlers go on, every message
// arrives, in order.
func TestNoSendWaitingWithStalledStream(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		stall := make(gate)
		c := newCluster(t, n, setup{
			srvOpts: []gorums.ServerOption{gorums.WithGRPCServerOptions(
				grpc.InitialWindowSize(64<<10), grpc.InitialConnWindowSize(64<<10))},
			behavior: func(int) Behavior {
				return Behavior{Before: func(ctx context.Context, _ string, req *Request) error {
					if req.GetSeq() == 0 {
						return stall.wait(ctx)
					}
					return nil
				}}
			},
		})
		ctx := testCtx(t)
		c.cfg.Multicast(ctx, &Request{Value: "stall", Seq: 0})
		for _, s := range c.srvs {
			if !s.WaitFor(ctx, func(a []Arrival) bool { return len(a) == 1 }) {
				t.Fatalf("server %d never got the first message", s.ID())
			}
		}
		const count, size = 10, 40 << 10 // 400 KiB per node, far beyond the window
		big := strings.Repeat("x", size)
		for seq := uint64(1); seq <= count; seq++ {
			c.cfg.Multicast(ctx, &Request{Value: big, Seq: seq}, gorums.WithNoSendWaiting())
		}
		// Reaching this line with the handlers still blocked is the point of the test.
		if got := len(c.srvs[0].Arrivals()); got != 1 {
			t.Fatalf("server 1 has %d arrivals while its handler is blocked, want 1", got)
		}
		close(stall)
		c.barrier(t, ctx)
		for i, s := range c.srvs {
			if got, want := s.Seqs(MMulticast), seqRange(0, count); !slices.Equal(got, want) {
				t.Errorf("server %d: seqs %v, want %v", i+1, got, want)
			}
		}
	})
}
