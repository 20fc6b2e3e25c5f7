package calltypes

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/quorumcall/gorums"
)

// outcome is what a call gave: a summary of its result and the count the quorum function put
// in it (replies, or a stream's level), or its error.
type outcome struct {
	summary string
	count   int64
	err     error
}

func fromResponse(r *Response, err error) outcome {
	return outcome{summary: r.GetResult(), count: int64(r.GetPart()), err: err}
}

func fromMy(r *MyResponse, err error) outcome {
	return outcome{summary: r.GetValue(), count: r.GetCount(), err: err}
}

func fromEmpty(r *emptypb.Empty, err error) outcome {
	if r == nil {
		return outcome{err: err}
	}
	return outcome{summary: "empty", err: err}
}

func fromCorrectable(c *gorums.Correctable[*Response]) func() outcome {
	return func() outcome {
		<-c.Done()
		r, _, err := c.Get()
		return fromResponse(r, err)
	}
}

func fromCorrectableMy(c *gorums.Correctable[*MyResponse]) func() outcome {
	return func() outcome {
		<-c.Done()
		r, _, err := c.Get()
		return fromMy(r, err)
	}
}

func now(o outcome) func() outcome { return func() outcome { return o } }

// perNodeValue is the per-node argument of the matrix: the request with its value tagged
// with the node's ID.
func perNodeValue(in *Request, id uint32) *Request {
	return &Request{Value: fmt.Sprintf("%s@%d", in.GetValue(), id), Seq: in.GetSeq(), Quorum: in.GetQuorum(), Parts: in.GetParts()}
}

// streamParts is how many replies each node sends in the matrix's stream calls.
const streamParts = 2

// callKind is one generated client method, as the matrix and the order tests use it.
type callKind struct {
	name    string
	method  string // as the server records it
	noSeq   bool   // the request carries no sequence number (empty input)
	perNode bool   // the call sends perNodeValue(req, id) to node id
	// start issues the call for req from the caller's goroutine and returns a function that
	// waits for the outcome. Every quorum function waits for all nodes (streams: for every
	// part of every node).
	start func(ctx context.Context, c *cluster, req *Request) func() outcome
	// to lists the indexes of the servers that get req.
	to func(c *cluster, req *Request) []int
	// want is the outcome a successful call has.
	want func(c *cluster, req *Request) outcome
}

// one is the target of the single-node kinds: the node req.Seq picks.
func one(c *cluster, req *Request) []int { return []int{int(req.GetSeq()) % c.n()} }

func everyone(c *cluster, _ *Request) []int { return all(c.n()) }

func wantNone(*cluster, *Request) outcome { return outcome{} }

func wantAll(c *cluster, req *Request) outcome {
	return outcome{summary: summaryOf(ids(all(c.n())), same(req.GetValue())), count: int64(c.n())}
}

func wantAllPerNode(c *cluster, req *Request) outcome {
	return outcome{summary: summaryOf(ids(all(c.n())), func(id uint32) string { return fmt.Sprintf("%s@%d", req.GetValue(), id) }), count: int64(c.n())}
}

func wantOne(c *cluster, req *Request) outcome {
	return outcome{summary: req.GetValue(), count: 1}
}

func wantEmpty(*cluster, *Request) outcome { return outcome{summary: "empty"} }

func withStreamLevel(f func(*cluster, *Request) outcome) func(*cluster, *Request) outcome {
	return func(c *cluster, req *Request) outcome {
		o := f(c, req)
		o.count = int64(c.n() * streamParts)
		return o
	}
}

// prepare sets the fields every kind's quorum functions rely on.
func prepare(c *cluster, k callKind, req *Request) *Request {
	req.Quorum = uint32(c.n())
	if k.method == MCorrectableStream || k.method == MCorrectableStreamPerNode || k.method == MCorrectableStreamCustomReturn {
		req.Parts = streamParts
		req.Quorum = uint32(c.n() * streamParts)
	}
	return req
}

var callKinds = []callKind{
	{
		name: "OrderedRPC", method: MOrderedRPC, to: one, want: wantOne,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			r, err := c.nodes[one(c, req)[0]].OrderedRPC(ctx, req)
			return now(outcome{summary: r.GetResult(), count: int64(r.GetPart()), err: err})
		},
	},
	{
		name: "ExplicitRPC", method: MExplicitRPC, to: one, want: wantOne,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			r, err := c.nodes[one(c, req)[0]].ExplicitRPC(ctx, req)
			return now(outcome{summary: r.GetResult(), count: int64(r.GetPart()), err: err})
		},
	},
	{
		name: "Unicast", method: MUnicast, to: one, want: wantNone,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			c.nodes[one(c, req)[0]].Unicast(ctx, req)
			return now(outcome{})
		},
	},
	{
		name: "UnicastNoSendWaiting", method: MUnicast, to: one, want: wantNone,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			c.nodes[one(c, req)[0]].Unicast(ctx, req, gorums.WithNoSendWaiting())
			return now(outcome{})
		},
	},
	{
		name: "Multicast", method: MMulticast, to: everyone, want: wantNone,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			c.cfg.Multicast(ctx, req)
			return now(outcome{})
		},
	},
	{
		name: "MulticastNoSendWaiting", method: MMulticast, to: everyone, want: wantNone,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			c.cfg.Multicast(ctx, req, gorums.WithNoSendWaiting())
			return now(outcome{})
		},
	},
	{
		name: "MulticastPerNode", method: MMulticastPerNode, perNode: true, to: everyone, want: wantNone,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			c.cfg.MulticastPerNode(ctx, req, perNodeValue)
			return now(outcome{})
		},
	},
	{
		name: "QuorumCall", method: MQuorumCall, to: everyone, want: wantAll,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return now(fromResponse(c.cfg.QuorumCall(ctx, req)))
		},
	},
	{
		name: "QuorumCallPerNode", method: MQuorumCallPerNode, perNode: true, to: everyone, want: wantAllPerNode,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return now(fromResponse(c.cfg.QuorumCallPerNode(ctx, req, perNodeValue)))
		},
	},
	{
		name: "QuorumCallCustomReturn", method: MQuorumCallCustomReturn, to: everyone, want: wantAll,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return now(fromMy(c.cfg.QuorumCallCustomReturn(ctx, req)))
		},
	},
	{
		name: "QuorumCallCombo", method: MQuorumCallCombo, perNode: true, to: everyone, want: wantAllPerNode,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return now(fromMy(c.cfg.QuorumCallCombo(ctx, req, perNodeValue)))
		},
	},
	{
		name: "QuorumCallEmptyIn", method: MQuorumCallEmptyIn, noSeq: true, to: everyone, want: func(c *cluster, _ *Request) outcome {
			return outcome{summary: summaryOf(ids(all(c.n())), same("")), count: int64(c.n())}
		},
		start: func(ctx context.Context, c *cluster, _ *Request) func() outcome {
			return now(fromResponse(c.cfg.QuorumCallEmptyIn(ctx, &emptypb.Empty{})))
		},
	},
	{
		name: "QuorumCallEmptyOut", method: MQuorumCallEmptyOut, to: everyone, want: wantEmpty,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return now(fromEmpty(c.cfg.QuorumCallEmptyOut(ctx, req)))
		},
	},
	{
		name: "QuorumCallAsync", method: MQuorumCallAsync, to: everyone, want: wantAll,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			a := c.cfg.QuorumCallAsync(ctx, req)
			return func() outcome { return fromResponse(a.Get()) }
		},
	},
	{
		name: "QuorumCallAsyncPerNode", method: MQuorumCallAsyncPerNode, perNode: true, to: everyone, want: wantAllPerNode,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			a := c.cfg.QuorumCallAsyncPerNode(ctx, req, perNodeValue)
			return func() outcome { return fromResponse(a.Get()) }
		},
	},
	{
		name: "QuorumCallAsyncCustomReturn", method: MQuorumCallAsyncCustomReturn, to: everyone, want: wantAll,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			a := c.cfg.QuorumCallAsyncCustomReturn(ctx, req)
			return func() outcome { return fromMy(a.Get()) }
		},
	},
	{
		name: "QuorumCallAsyncEmpty", method: MQuorumCallAsyncEmpty, to: everyone, want: wantEmpty,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			a := c.cfg.QuorumCallAsyncEmpty(ctx, req)
			return func() outcome { return fromEmpty(a.Get()) }
		},
	},
	{
		name: "Correctable", method: MCorrectable, to: everyone, want: wantAll,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return fromCorrectable(c.cfg.Correctable(ctx, req).Correctable)
		},
	},
	{
		name: "CorrectablePerNode", method: MCorrectablePerNode, perNode: true, to: everyone, want: wantAllPerNode,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return fromCorrectable(c.cfg.CorrectablePerNode(ctx, req, perNodeValue).Correctable)
		},
	},
	{
		name: "CorrectableCustomReturn", method: MCorrectableCustomReturn, to: everyone, want: wantAll,
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return fromCorrectableMy(c.cfg.CorrectableCustomReturn(ctx, req).Correctable)
		},
	},
	{
		name: "CorrectableStream", method: MCorrectableStream, to: everyone, want: withStreamLevel(wantAll),
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return fromCorrectable(c.cfg.CorrectableStream(ctx, req).Correctable)
		},
	},
	{
		name: "CorrectableStreamPerNode", method: MCorrectableStreamPerNode, perNode: true, to: everyone, want: withStreamLevel(wantAllPerNode),
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return fromCorrectable(c.cfg.CorrectableStreamPerNode(ctx, req, perNodeValue).Correctable)
		},
	},
	{
		name: "CorrectableStreamCustomReturn", method: MCorrectableStreamCustomReturn, to: everyone, want: withStreamLevel(wantAll),
		start: func(ctx context.Context, c *cluster, req *Request) func() outcome {
			return fromCorrectableMy(c.cfg.CorrectableStreamCustomReturn(ctx, req).Correctable)
		},
	},
}

// TestEveryMethodCoversTheService checks that callKinds exercises every generated method.
func TestEveryMethodCoversTheService(t *testing.T) {
	methods := File_calltypes_proto.Services().ByName("CallTypes").Methods()
	for i := range methods.Len() {
		name := string(methods.Get(i).Name())
		if !slices.ContainsFunc(callKinds, func(k callKind) bool { return k.method == name }) {
			t.Errorf("method %s has no call kind", name)
		}
	}
}

// TestCallTypeMatrix makes every kind of call once on 1, 3 and 9 servers and checks its
// outcome (every quorum function needs every node) and which servers got the request, with
// which value.
func TestCallTypeMatrix(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		c := newCluster(t, n, setup{})
		ctx := testCtx(t)
		for i, k := range callKinds {
			t.Run(k.name, func(t *testing.T) {
				req := prepare(c, k, &Request{Value: "v" + k.name, Seq: uint64(1000 + i)})
				got := k.start(ctx, c, req)()
				if want := k.want(c, req); got != want {
					t.Fatalf("%s = %+v, want %+v", k.name, got, want)
				}
				c.barrier(t, ctx)
				to := k.to(c, req)
				for j, s := range c.srvs {
					var vals []string
					for _, a := range s.Arrivals() {
						if a.Method == k.method && (k.noSeq || a.Seq == req.Seq) {
							vals = append(vals, a.Value)
						}
					}
					var want []string
					if slices.Contains(to, j) {
						want = []string{req.Value}
						if k.noSeq {
							want = []string{""}
						}
						if k.perNode {
							want = []string{fmt.Sprintf("%s@%d", req.Value, j+1)}
						}
					}
					if !slices.Equal(vals, want) {
						t.Errorf("server %d got values %q, want %q", j+1, vals, want)
					}
				}
			})
		}
	})
}
