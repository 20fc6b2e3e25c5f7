package calltypes

import (
	"context"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/manager"
)

// recorder is a client interceptor that adds a token to every call's metadata, refuses calls
// whose request says "refuse", and records each call and its outcome.
type recorder struct {
	mu       sync.Mutex
	calls    []manager.CallInfo
	outcomes map[string]manager.CallOutcome // by method
}

func (r *recorder) intercept(ctx context.Context, call manager.CallInfo) (context.Context, func(manager.CallOutcome), error) {
	r.mu.Lock()
	r.calls = append(r.calls, call)
	r.mu.Unlock()
	if req, ok := call.Request.(*Request); ok && req.GetValue() == "refuse" {
		return ctx, nil, status.Error(codes.PermissionDenied, "refused by the interceptor")
	}
	return metadata.AppendToOutgoingContext(ctx, "token", "secret"), func(o manager.CallOutcome) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.outcomes[call.Method] = o
	}, nil
}

func (r *recorder) outcome(method string) (manager.CallOutcome, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.outcomes[method]
	return o, ok
}

// Client interceptors see every call of every call type (method, nodes, request), can add
// metadata and refuse calls, and are told each call's outcome.
func TestClientInterceptors(t *testing.T) {
	rec := &recorder{outcomes: map[string]manager.CallOutcome{}}
	var order []string
	var orderMu sync.Mutex
	mark := func(name string) gorums.ClientInterceptor {
		return func(ctx context.Context, _ gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
			orderMu.Lock()
			order = append(order, name+" before")
			orderMu.Unlock()
			return ctx, func(gorums.CallOutcome) {
				orderMu.Lock()
				order = append(order, name+" after")
				orderMu.Unlock()
			}, nil
		}
	}
	c := newCluster(t, 3, setup{insecure: true, mgrOpts: []gorums.ManagerOption{
		gorums.WithInterceptors(mark("outer"), rec.intercept, mark("inner")),
	}})
	ctx := testCtx(t)
	calls := map[string]func(v string) error{
		MOrderedRPC: func(v string) error { _, err := c.nodes[0].OrderedRPC(ctx, &Request{Value: v}); return err },
		MUnicast:    func(v string) error { c.nodes[0].Unicast(ctx, &Request{Value: v}); return nil },
		MMulticast:  func(v string) error { c.cfg.Multicast(ctx, &Request{Value: v}); return nil },
		MQuorumCall: func(v string) error { _, err := c.cfg.QuorumCall(ctx, &Request{Value: v}); return err },
		MQuorumCallPerNode: func(v string) error {
			_, err := c.cfg.QuorumCallPerNode(ctx, &Request{Value: v}, func(r *Request, _ uint32) *Request { return r })
			return err
		},
		MQuorumCallAsync: func(v string) error { _, err := c.cfg.QuorumCallAsync(ctx, &Request{Value: v}).Get(); return err },
		MCorrectable: func(v string) error {
			corr := c.cfg.Correctable(ctx, &Request{Value: v})
			<-corr.Done()
			_, _, err := corr.Get()
			return err
		},
		MCorrectableStream: func(v string) error {
			corr := c.cfg.CorrectableStream(ctx, &Request{Value: v})
			<-corr.Done()
			_, _, err := corr.Get()
			return err
		},
	}
	for method, call := range calls {
		t.Run(method, func(t *testing.T) {
			if err := call("ok"); err != nil {
				t.Fatal(err)
			}
			o, ok := rec.outcome(fullName + method)
			if !ok {
				t.Fatalf("no outcome for %s", method)
			}
			wantReplies := 3
			if method == MOrderedRPC || method == MUnicast {
				wantReplies = 1
			}
			if o.Err != nil || o.Replies != wantReplies || len(o.Errors) != 0 || o.Latency <= 0 {
				t.Fatalf("outcome %+v, want %d replies, no error, a latency", o, wantReplies)
			}
			// The metadata the interceptor added reached the servers with the request.
			c.barrier(t, ctx)
			for _, srv := range c.srvs[:wantReplies] {
				arr := srv.Arrivals()
				var last Arrival
				for _, a := range arr {
					if a.Method == method {
						last = a
					}
				}
				if got := last.MD.Get("token"); len(got) != 1 || got[0] != "secret" {
					t.Fatalf("server %d got %s with metadata %v, want the token", srv.ID(), method, last.MD)
				}
			}

			// A refused call sends nothing and fails with the interceptor's error.
			before := len(c.srvs[0].Arrivals())
			err := call("refuse")
			if method != MUnicast && method != MMulticast && status.Code(err) != codes.PermissionDenied {
				t.Fatalf("refused %s: %v, want PermissionDenied", method, err)
			}
			c.barrier(t, ctx)
			for _, a := range c.srvs[0].Arrivals()[before:] {
				if a.Method == method {
					t.Fatalf("a refused %s reached the server", method)
				}
			}
		})
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, call := range rec.calls {
		if !strings.HasPrefix(call.Method, fullName) || len(call.NodeIDs) == 0 || call.Request == nil {
			t.Fatalf("call info %+v", call)
		}
	}
	orderMu.Lock()
	defer orderMu.Unlock()
	if len(order) < 4 || order[0] != "outer before" || order[1] != "inner before" || order[2] != "inner after" || order[3] != "outer after" {
		t.Fatalf("interceptors ran in order %v, want outer, inner, then inner's and outer's outcomes", order[:min(4, len(order))])
	}
}
