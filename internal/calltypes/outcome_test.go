package calltypes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
)

// outcomes is a client interceptor that keeps each call's outcome, and may give calls a
// deadline of its own.
type outcomes struct {
	mu       sync.Mutex
	last     []gorums.CallOutcome
	deadline time.Duration // if set, the interceptor's own deadline for the call
}

func (o *outcomes) intercept(ctx context.Context, _ gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
	cancel := context.CancelFunc(func() {})
	if o.deadline > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.deadline)
	}
	return ctx, func(out gorums.CallOutcome) {
		cancel()
		o.mu.Lock()
		o.last = append(o.last, out)
		o.mu.Unlock()
	}, nil
}

func (o *outcomes) take(t *testing.T) gorums.CallOutcome {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.last) != 1 {
		t.Fatalf("%d outcomes told, want 1", len(o.last))
	}
	out := o.last[0]
	o.last = nil
	return out
}

// TestOutcomeErrIsTheCallsError: the outcome an interceptor is told carries the error the call
// returned, for every call type: an ordered RPC's handler status as the handler made it, its
// context error (also when the deadline is the interceptor's own, with the matching code), and
// none for a one-way call.
func TestOutcomeErrIsTheCallsError(t *testing.T) {
	rec := &outcomes{}
	c := newCluster(t, 1, setup{insecure: true,
		mgrOpts: []gorums.ManagerOption{gorums.WithInterceptors(rec.intercept)},
		behavior: func(int) Behavior {
			return Behavior{Before: func(ctx context.Context, _ string, req *Request) error {
				switch req.GetValue() {
				case "deny":
					return status.Error(codes.PermissionDenied, "nope")
				case "block":
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			}}
		}})
	ctx := testCtx(t)

	_, err := c.nodes[0].OrderedRPC(ctx, &Request{Value: "deny"})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("ordered RPC with a denying handler: %v", err)
	}
	if got := rec.take(t).Err; got != err {
		t.Errorf("outcome Err %v (%T), want the returned %v (%T)", got, got, err, err)
	}

	rec.deadline = 100 * time.Millisecond
	_, err = c.nodes[0].OrderedRPC(ctx, &Request{Value: "block"})
	if status.Code(err) != codes.DeadlineExceeded || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ordered RPC past the interceptor's deadline: %v (code %v), want DeadlineExceeded", err, status.Code(err))
	}
	if got := rec.take(t).Err; got == nil || got.Error() != err.Error() {
		t.Errorf("outcome Err %v, want the returned %v", got, err)
	}
	rec.deadline = 0

	ended, cancel := context.WithCancel(ctx)
	cancel()
	c.cfg.Multicast(ended, &Request{Value: "late"})
	if got := rec.take(t).Err; got != nil {
		t.Errorf("outcome Err of a one-way call: %v, want nil", got)
	}
}

// TestOutcomePanicContained: an outcome function that panics does not take the process down,
// also on an async call's own goroutine; the call returns its result. An interceptor that
// panics before the call refuses it with Internal, and the interceptors before it are told.
func TestOutcomePanicContained(t *testing.T) {
	var mode string
	var told []error
	var mu sync.Mutex
	first := func(ctx context.Context, _ gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
		return ctx, func(o gorums.CallOutcome) { mu.Lock(); told = append(told, o.Err); mu.Unlock() }, nil
	}
	boom := func(ctx context.Context, _ gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
		if mode == "before" {
			panic("before boom")
		}
		return ctx, func(gorums.CallOutcome) { panic("outcome boom") }, nil
	}
	c := newCluster(t, 1, setup{insecure: true, mgrOpts: []gorums.ManagerOption{gorums.WithInterceptors(first, boom)}})
	ctx := testCtx(t)
	if _, err := c.cfg.QuorumCallAsync(ctx, &Request{Value: "a"}).Get(); err != nil {
		t.Fatalf("async call with a panicking outcome function: %v", err)
	}
	if _, err := c.cfg.QuorumCall(ctx, &Request{Value: "s"}); err != nil {
		t.Fatalf("quorum call with a panicking outcome function: %v", err)
	}
	mode = "before"
	_, err := c.cfg.QuorumCall(ctx, &Request{Value: "b"})
	if status.Code(err) != codes.Internal {
		t.Fatalf("quorum call whose interceptor panics: %v, want Internal", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 3 || told[0] != nil || told[1] != nil || status.Code(told[2]) != codes.Internal {
		t.Fatalf("the first interceptor was told %v, want nil, nil, Internal", told)
	}
}
