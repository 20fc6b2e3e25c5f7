package faults

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// Servers, managers, configurations and polling come from internal/testservice (ts.Start,
// ts.StartN, ts.StartOn, ts.NewTestManager, ts.NewConfig, ts.Poll); what is here is what
// the fault tests need beyond those.

// echo serves every server of ts.StartN with echo handlers.
func echo(int) ts.TestService { return ts.Handlers{} }

// newManager returns a manager with insecure credentials, fast reconnects and opts; it is
// closed at test cleanup.
func newManager(t testing.TB, opts ...gorums.ManagerOption) *ts.Manager {
	t.Helper()
	return ts.NewTestManager(t, append([]gorums.ManagerOption{ts.FastBackoff()}, opts...)...)
}

// ctxFor returns a generous deadline for one call, and its cancel, which the caller calls
// when the call returns (unlike ts.Ctx, whose context lives until test cleanup); the deadline
// is a bound on failure, never asserted on.
func ctxFor(t testing.TB) (context.Context, context.CancelFunc) {
	t.Helper()
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// nodeByAddr returns the node of cfg with the given address.
func nodeByAddr(t testing.TB, cfg *ts.Configuration, addr string) *ts.Node {
	t.Helper()
	for _, n := range cfg.Nodes() {
		if n.Address() == addr {
			return n
		}
	}
	t.Fatalf("no node with address %s", addr)
	return nil
}

func asQCErr(err error, e *gorums.QuorumCallError) bool { return errors.As(err, e) }
