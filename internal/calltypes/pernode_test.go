package calltypes

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/quorumcall/gorums"
)

// skipSet is a set of nodes a per-node function leaves out, by server index.
type skipSet struct {
	name string
	skip func(n int) []int
}

var skipSets = []skipSet{
	{"none", func(int) []int { return nil }},
	{"one", func(n int) []int { return []int{n / 2} }},
	{"allButOne", func(n int) []int { return all(n)[1:] }},
	{"all", func(n int) []int { return all(n) }},
}

// perNodeKind is a per_node_arg method, called with a per-node function.
type perNodeKind struct {
	name   string
	method string
	oneWay bool
	stream bool
	call   func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome
}

var perNodeKinds = []perNodeKind{
	{name: "MulticastPerNode", method: MMulticastPerNode, oneWay: true,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			c.cfg.MulticastPerNode(testCtx(t), req, f)
			return outcome{}
		}},
	{name: "MulticastPerNodeNoSendWaiting", method: MMulticastPerNode, oneWay: true,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			c.cfg.MulticastPerNode(testCtx(t), req, f, gorums.WithNoSendWaiting())
			return outcome{}
		}},
	{name: "QuorumCallPerNode", method: MQuorumCallPerNode,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			return fromResponse(c.cfg.QuorumCallPerNode(testCtx(t), req, f))
		}},
	{name: "QuorumCallCombo", method: MQuorumCallCombo,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			return fromMy(c.cfg.QuorumCallCombo(testCtx(t), req, f))
		}},
	{name: "QuorumCallAsyncPerNode", method: MQuorumCallAsyncPerNode,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			return fromResponse(c.cfg.QuorumCallAsyncPerNode(testCtx(t), req, f).Get())
		}},
	{name: "CorrectablePerNode", method: MCorrectablePerNode,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			corr := c.cfg.CorrectablePerNode(testCtx(t), req, f)
			waitClosed(t, corr.Done(), "CorrectablePerNode Done")
			return fromCorrectable(corr.Correctable)()
		}},
	{name: "CorrectableStreamPerNode", method: MCorrectableStreamPerNode, stream: true,
		call: func(t *testing.T, c *cluster, req *Request, f func(*Request, uint32) *Request) outcome {
			corr := c.cfg.CorrectableStreamPerNode(testCtx(t), req, f)
			waitClosed(t, corr.Done(), "CorrectableStreamPerNode Done")
			return fromCorrectable(corr.Correctable)()
		}},
}

// TestPerNodeSkipSets calls every per_node_arg method with per-node functions that skip no
// node, one node, all nodes but one, and all nodes. The quorum functions wait for every node
// that was asked. It checks that the per-node function is asked about every node, that only
// the nodes it did not skip get a request (with their own value), that the result covers
// exactly those nodes, and that a call that skips every node fails at once with an
// incomplete-call error (its context still alive) instead of waiting for its deadline.
func TestPerNodeSkipSets(t *testing.T) {
	forSizes(t, func(t *testing.T, n int) {
		c := newCluster(t, n, setup{})
		seq := uint64(0)
		for _, k := range perNodeKinds {
			for _, set := range skipSets {
				t.Run(k.name+"/skip="+set.name, func(t *testing.T) {
					seq++
					skipped := ids(set.skip(n))
					var asked []uint32
					for _, id := range ids(all(n)) {
						if !slices.Contains(skipped, id) {
							asked = append(asked, id)
						}
					}
					req := &Request{Value: "p", Seq: seq, Quorum: uint32(len(asked))}
					if k.stream {
						req.Parts = streamParts
						req.Quorum = uint32(len(asked) * streamParts)
					}
					var called []uint32
					f := func(in *Request, id uint32) *Request {
						if in != req {
							t.Errorf("per-node function got %p, want the call's request %p", in, req)
						}
						called = append(called, id)
						if slices.Contains(skipped, id) {
							return nil
						}
						return perNodeValue(in, id)
					}

					ctx := testCtx(t)
					got := k.call(t, c, req, f)
					ctxErr := ctx.Err() // before anything else: the call must not have used up ctx

					if !slices.Equal(called, ids(all(n))) {
						t.Errorf("per-node function called for %v, want every node %v", called, ids(all(n)))
					}
					switch {
					case k.oneWay:
						if got != (outcome{}) {
							t.Errorf("one-way outcome %+v", got)
						}
					case len(asked) == 0:
						if !errors.Is(got.err, gorums.ErrIncomplete) {
							t.Errorf("every node skipped: err = %v, want an incomplete-call error", got.err)
						}
						var qcErr gorums.QuorumCallError
						if !errors.As(got.err, &qcErr) || qcErr.ReplyCount != 0 || len(qcErr.Errors) != 0 {
							t.Errorf("every node skipped: err = %#v, want a QuorumCallError without replies or node errors", got.err)
						}
						if ctxErr != nil {
							t.Errorf("every node skipped: the call waited until its context ended (%v)", ctxErr)
						}
					default:
						want := outcome{
							summary: summaryOf(asked, func(id uint32) string { return fmt.Sprintf("p@%d", id) }),
							count:   int64(req.Quorum),
						}
						if got != want {
							t.Errorf("outcome %+v, want %+v", got, want)
						}
					}

					c.barrier(t, testCtx(t))
					for i, s := range c.srvs {
						var vals []string
						for _, a := range s.Arrivals() {
							if a.Method == k.method && a.Seq == seq {
								vals = append(vals, a.Value)
							}
						}
						var want []string
						if !slices.Contains(skipped, uint32(i+1)) {
							want = []string{fmt.Sprintf("p@%d", i+1)}
						}
						if !slices.Equal(vals, want) {
							t.Errorf("server %d got %q, want %q", i+1, vals, want)
						}
					}
				})
			}
		}
	})
}
