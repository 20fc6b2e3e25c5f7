package calltypes

import (
	"context"
	"fmt"
	"testing"

	"github.com/quorumcall/gorums"
)

// corrHandle is what the tests need of a Correctable, whatever its result type.
type corrHandle struct {
	get   func() (summary string, count int64, level int, err error)
	done  func() <-chan struct{}
	watch func(level int) <-chan struct{}
}

func handleOf(c *gorums.Correctable[*Response]) corrHandle {
	return corrHandle{
		get: func() (string, int64, int, error) {
			r, l, err := c.Get()
			return r.GetResult(), int64(r.GetPart()), l, err
		},
		done: c.Done, watch: c.Watch,
	}
}

func handleOfMy(c *gorums.Correctable[*MyResponse]) corrHandle {
	return corrHandle{
		get: func() (string, int64, int, error) {
			r, l, err := c.Get()
			return r.GetValue(), r.GetCount(), l, err
		},
		done: c.Done, watch: c.Watch,
	}
}

// TestCorrectableLevelsOverTime: server 1 answers at once; server k+1 answers only when the
// test opens its gate, which the test does one server at a time, each only after it saw the
// previous level published. So Watch(1) must fire while every other server is still blocked
// in its handler, and each level k is published, exactly, before server k+1 answers.
func TestCorrectableLevelsOverTime(t *testing.T) {
	kinds := []struct {
		name   string
		method string
		start  func(ctx context.Context, c *cluster, req *Request) corrHandle
	}{
		{"Correctable", MCorrectable, func(ctx context.Context, c *cluster, req *Request) corrHandle {
			return handleOf(c.cfg.Correctable(ctx, req).Correctable)
		}},
		{"CorrectablePerNode", MCorrectablePerNode, func(ctx context.Context, c *cluster, req *Request) corrHandle {
			return handleOf(c.cfg.CorrectablePerNode(ctx, req, func(in *Request, _ uint32) *Request { return in }).Correctable)
		}},
		{"CorrectableCustomReturn", MCorrectableCustomReturn, func(ctx context.Context, c *cluster, req *Request) corrHandle {
			return handleOfMy(c.cfg.CorrectableCustomReturn(ctx, req).Correctable)
		}},
	}
	forSizes(t, func(t *testing.T, n int) {
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				gates := make([]gate, n)
				for i := 1; i < n; i++ {
					gates[i] = make(gate)
				}
				c := newCluster(t, n, setup{behavior: func(i int) Behavior {
					if i == 0 {
						return Behavior{}
					}
					return Behavior{Before: func(ctx context.Context, _ string, _ *Request) error { return gates[i].wait(ctx) }}
				}})
				ctx := testCtx(t)
				corr := k.start(ctx, c, &Request{Value: "c", Seq: 1, Quorum: uint32(n)})

				for level := 1; level <= n; level++ {
					waitClosed(t, corr.watch(level), fmt.Sprintf("Watch(%d)", level))
					summary, count, got, err := corr.get()
					if got != level || count != int64(level) || err != nil {
						t.Fatalf("after Watch(%d): level %d, count %d, err %v; want level %d", level, got, count, err, level)
					}
					if want := summaryOf(ids(all(level)), same("c")); summary != want {
						t.Fatalf("level %d result %q, want %q", level, summary, want)
					}
					if level == n {
						break
					}
					// Servers level+1.. are still in their handlers: the call cannot be done.
					if isClosed(corr.done()) {
						t.Fatalf("Done closed at level %d of %d", level, n)
					}
					if isClosed(corr.watch(level + 1)) {
						t.Fatalf("Watch(%d) closed while server %d is blocked", level+1, level+1)
					}
					// They have the request: they are in the handler, waiting at their gates.
					for _, s := range c.srvs[level:] {
						if !s.WaitFor(ctx, func(a []Arrival) bool { return len(a) == 1 }) {
							t.Fatalf("server %d never got the request", s.ID())
						}
					}
					close(gates[level])
				}
				waitClosed(t, corr.done(), "Done")
				if _, _, level, err := corr.get(); level != n || err != nil {
					t.Fatalf("final: level %d, err %v; want %d, nil", level, err, n)
				}
				// A level above the final one is never reached; its watch fires when the call ends.
				waitClosed(t, corr.watch(n+1), "Watch(final+1) after the end")
			})
		}
	})
}

// TestCorrectableStreamLevels: every server sends 3 replies for one request, stopping after
// reply p until the test opens stage gate p. The stream's level (the sum of each node's
// newest part number) must be exactly n*p while the servers wait at stage p, the call must
// not be done before the last part, and it ends with level 3n.
func TestCorrectableStreamLevels(t *testing.T) {
	const parts = 3
	kinds := []struct {
		name  string
		start func(ctx context.Context, c *cluster, req *Request) corrHandle
	}{
		{"CorrectableStream", func(ctx context.Context, c *cluster, req *Request) corrHandle {
			return handleOf(c.cfg.CorrectableStream(ctx, req).Correctable)
		}},
		{"CorrectableStreamPerNode", func(ctx context.Context, c *cluster, req *Request) corrHandle {
			return handleOf(c.cfg.CorrectableStreamPerNode(ctx, req, perNodeValue).Correctable)
		}},
		{"CorrectableStreamCustomReturn", func(ctx context.Context, c *cluster, req *Request) corrHandle {
			return handleOfMy(c.cfg.CorrectableStreamCustomReturn(ctx, req).Correctable)
		}},
	}
	forSizes(t, func(t *testing.T, n int) {
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				stages := make([]gate, parts)
				for p := range stages {
					stages[p] = make(gate)
				}
				c := newCluster(t, n, setup{behavior: func(int) Behavior {
					return Behavior{BetweenParts: func(ctx context.Context, _ *Request, p int) error { return stages[p].wait(ctx) }}
				}})
				ctx := testCtx(t)
				corr := k.start(ctx, c, &Request{Value: "s", Seq: 7, Parts: parts, Quorum: uint32(n * parts)})
				for p := 1; p <= parts; p++ {
					waitClosed(t, corr.watch(n*p), fmt.Sprintf("Watch(%d)", n*p))
					_, count, level, err := corr.get()
					if level != n*p || count != int64(n*p) || err != nil {
						t.Fatalf("stage %d: level %d, count %d, err %v; want level %d", p, level, count, err, n*p)
					}
					if p == parts {
						break
					}
					if isClosed(corr.done()) {
						t.Fatalf("Done closed at stage %d of %d", p, parts)
					}
					close(stages[p])
				}
				waitClosed(t, corr.done(), "Done")
				summary, _, level, err := corr.get()
				if level != n*parts || err != nil {
					t.Fatalf("final: level %d, err %v; want %d, nil", level, err, n*parts)
				}
				wantVal := same("s")
				if k.name == "CorrectableStreamPerNode" {
					wantVal = func(id uint32) string { return fmt.Sprintf("s@%d", id) }
				}
				if want := summaryOf(ids(all(n)), wantVal); summary != want {
					t.Fatalf("final result %q, want %q", summary, want)
				}
			})
		}
	})
}
