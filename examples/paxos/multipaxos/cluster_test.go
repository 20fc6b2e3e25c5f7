package multipaxos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	pb "github.com/quorumcall/gorums/examples/paxos/proto"
	"github.com/quorumcall/gorums/gorumstest"
	"github.com/quorumcall/gorums/replica"
)

// failsafe bounds every wait; reaching it is a failure.
const failsafe = 30 * time.Second

// group is n Paxos replicas in the test's process and a client of them. states are the
// replicas' stable storage: Restart(i) gives the new replica i the state of the old one.
type group struct {
	rs     *gorumstest.Replicas
	states []*State
	nodes  []*pb.Node // the client's node for each replica, by index
	opts   []Option
}

func newGroup(t *testing.T, n int, opts ...Option) *group {
	t.Helper()
	g := &group{opts: opts}
	for range n {
		g.states = append(g.states, NewState())
	}
	g.rs = gorumstest.NewReplicas(t, n, func(i int, r *replica.Replica) { Register(r, g.states[i], g.opts...) },
		gorumstest.WithBufconn())
	mgr := gorumstest.NewManager(t, g.rs.Cluster, pb.NewManager)
	cfg, err := mgr.NewConfiguration(NewQSpec(n), g.rs.NodeList())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for _, node := range cfg.Nodes() {
			if node.ID() == g.rs.NodeID(i) {
				g.nodes = append(g.nodes, node)
			}
		}
	}
	return g
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), failsafe)
	t.Cleanup(cancel)
	return ctx
}

// history is what the clients saw: the slot of every acknowledged proposal, and the values
// whose proposal failed (decided at most once, or not at all).
type history struct {
	mu     sync.Mutex
	acked  map[string]uint64
	failed map[string]error
}

func newHistory() *history {
	return &history{acked: make(map[string]uint64), failed: make(map[string]error)}
}

// propose asks replica i to decide value, and records the outcome.
func (g *group) propose(ctx context.Context, h *history, i int, value string) error {
	r, err := g.nodes[i].Propose(ctx, &pb.ProposeRequest{Value: value})
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.failed[value] = err
		return err
	}
	h.acked[value] = r.GetSlot()
	return nil
}

func (h *history) ackedCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.acked)
}

// checkAgreement checks the safety of the log over every replica's state, crashed ones
// included, and what the clients were told (see CheckAgreement). It returns the union of the
// logs.
func (g *group) checkAgreement(t *testing.T, h *history) map[uint64]string {
	t.Helper()
	states := make(map[uint32]*State, len(g.states))
	for i, s := range g.states {
		states[g.rs.NodeID(i)] = s
	}
	h.mu.Lock()
	union, err := CheckAgreement(states, h.acked)
	h.mu.Unlock()
	if err != nil {
		t.Error(err)
	}
	return union
}

// waitConverged waits until every replica in up knows every slot of union.
func (g *group) waitConverged(t *testing.T, ctx context.Context, union map[uint64]string, up []int) {
	t.Helper()
	for _, i := range up {
		for {
			log := g.states[i].Log()
			missing := 0
			for slot := range union {
				if _, ok := log[slot]; !ok {
					missing++
				}
			}
			if missing == 0 {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("replica %d never learned %d of %d decided slots", i, missing, len(union))
			}
			time.Sleep(time.Millisecond) // polling for the Learn multicasts
		}
	}
}

// proposeUntilDecided proposes through replica i until a proposal is decided, a fresh value
// each time (a failed proposal may still be decided later: proposing its value again could
// decide it twice), while the client's node reconnects to a restarted replica.
func (g *group) proposeUntilDecided(t *testing.T, ctx context.Context, h *history, i int, value string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		err := g.propose(ctx, h, i, fmt.Sprintf("%s#%d", value, attempt))
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("no proposal through replica %d was decided: %v", i, err)
		}
		time.Sleep(time.Millisecond) // polling for the node to reconnect
	}
}

// run has clients propose values concurrently: client c proposes perClient values to
// replica to(c), one at a time; all clients at once.
func (g *group) run(ctx context.Context, h *history, clients, perClient int, prefix string, to func(c int) int) {
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for k := range perClient {
				_ = g.propose(ctx, h, to(c), fmt.Sprintf("%s-c%d-%d", prefix, c, k))
			}
		})
	}
	wg.Wait()
}

// TestConcurrentProposers: clients propose through every replica at once, so that the
// replicas' proposers duel for the same slots; every proposal is decided in one slot, every
// slot holds one value on every replica, and the logs converge.
func TestConcurrentProposers(t *testing.T) {
	for _, n := range []int{3, 5} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			g := newGroup(t, n)
			ctx := testCtx(t)
			h := newHistory()
			const clients, perClient = 6, 10
			g.run(ctx, h, clients, perClient, "v", func(c int) int { return c % n })
			if len(h.failed) > 0 {
				t.Fatalf("proposals failed with every replica up: %v", h.failed)
			}
			union := g.checkAgreement(t, h)
			if len(union) != clients*perClient {
				t.Errorf("%d slots decided, want %d", len(union), clients*perClient)
			}
			for slot := uint64(1); slot <= uint64(len(union)); slot++ {
				if _, ok := union[slot]; !ok {
					t.Errorf("slot %d is a gap in a log of %d slots", slot, len(union))
				}
			}
			g.waitConverged(t, ctx, union, allOf(n))
		})
	}
}

func allOf(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestCrashedMinority: with two of five replicas down from the start, the other three
// decide every proposal made through them; proposals through a crashed replica fail.
func TestCrashedMinority(t *testing.T) {
	g := newGroup(t, 5)
	ctx := testCtx(t)
	g.rs.Stop(3)
	g.rs.Stop(4)
	h := newHistory()
	g.run(ctx, h, 6, 8, "v", func(c int) int { return c % 3 })
	if len(h.failed) > 0 {
		t.Fatalf("proposals through live replicas failed with a majority up: %v", h.failed)
	}
	if err := g.propose(ctx, h, 4, "through a crashed replica"); status.Code(err) != codes.Unavailable {
		t.Errorf("a proposal through a crashed replica: %v, want Unavailable", err)
	}
	union := g.checkAgreement(t, h)
	if len(union) != 6*8 {
		t.Errorf("%d slots decided, want %d", len(union), 6*8)
	}
	g.waitConverged(t, ctx, union, []int{0, 1, 2})
}

// TestCrashDuringProposals: clients propose through every replica while two of five crash
// in the middle. Proposals through the crashed replicas fail from then on, those through the
// others go on; what was acknowledged stays decided, once, everywhere it is known.
func TestCrashDuringProposals(t *testing.T) {
	g := newGroup(t, 5)
	ctx := testCtx(t)
	h := newHistory()
	crashed := make(chan struct{})
	go func() {
		defer close(crashed)
		for h.ackedCount() < 20 && ctx.Err() == nil {
			time.Sleep(time.Millisecond) // polling for progress before the crash
		}
		g.rs.Stop(3)
		g.rs.Stop(4)
	}()
	const clients, perClient = 10, 12
	g.run(ctx, h, clients, perClient, "v", func(c int) int { return c % 5 })
	<-crashed
	before := h.ackedCount()
	// After the crash, the three left decide everything proposed through them.
	g.run(ctx, h, 6, 5, "after", func(c int) int { return c % 3 })
	if got := h.ackedCount() - before; got != 30 {
		t.Errorf("%d of 30 proposals through the live replicas decided after the crash; failures: %v", got, h.failed)
	}
	for v, err := range h.failed {
		if code := status.Code(err); code != codes.Unavailable && code != codes.Canceled {
			t.Errorf("proposal %q failed with %v, want Unavailable (its replica crashed)", v, err)
		}
	}
	union := g.checkAgreement(t, h)
	g.waitConverged(t, ctx, union, []int{0, 1, 2})
}

// TestNoQuorum: without a majority up nothing is decided, and the proposal fails once its
// time is out; when a replica comes back, with its state, proposals are decided again.
func TestNoQuorum(t *testing.T) {
	g := newGroup(t, 3, WithProposeTimeout(300*time.Millisecond))
	ctx := testCtx(t)
	h := newHistory()
	if err := g.propose(ctx, h, 0, "before"); err != nil {
		t.Fatal(err)
	}
	g.rs.Stop(1)
	g.rs.Stop(2)
	err := g.propose(ctx, h, 0, "alone")
	if status.Code(err) != codes.Unavailable {
		t.Errorf("a proposal with one replica of three up: %v, want Unavailable", err)
	}
	if _, ok := g.states[0].decision(2); ok {
		t.Errorf("slot 2 was decided with one replica of three up")
	}

	g.rs.Restart(1)                                 // with its state
	g.proposeUntilDecided(t, ctx, h, 0, "with two") // while replica 0 reconnects to replica 1
	union := g.checkAgreement(t, h)
	if union[1] != "before" {
		t.Errorf("slot 1 = %q, want the value decided before the crash", union[1])
	}
}

// TestRestarts: while clients propose, each replica in turn crashes and comes back with
// its state; agreement holds throughout and every proposal through a live replica ends.
func TestRestarts(t *testing.T) {
	g := newGroup(t, 3)
	ctx := testCtx(t)
	h := newHistory()
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.run(ctx, h, 3, 15, "v", func(c int) int { return c })
	}()
	for i := range 3 {
		for h.ackedCount() < 5*(i+1) && ctx.Err() == nil {
			time.Sleep(time.Millisecond) // polling for progress between restarts
		}
		g.rs.Restart(i)
	}
	<-done
	if h.ackedCount() == 0 {
		t.Fatal("nothing decided")
	}
	g.checkAgreement(t, h) // during the crashes
	// Every replica is up again: each learns every slot when a proposer prepares it there,
	// so one more proposal through each replica fills its log up to that proposal's slot.
	for i := range 3 {
		g.proposeUntilDecided(t, ctx, h, i, fmt.Sprintf("last-%d", i))
	}
	union := g.checkAgreement(t, h)
	g.waitConverged(t, ctx, union, allOf(3))
}

// TestHungReplica: a hung replica (its connections open, silent) does not stop the others.
// Once it resumes it learns what was decided meanwhile: from the Learn messages that reached
// its connections, and, for those its peers could not send (a connection it was making when
// it hung), from the Prepare answers of its own proposer, which walks the slots it lacks.
func TestHungReplica(t *testing.T) {
	g := newGroup(t, 3)
	ctx := testCtx(t)
	h := newHistory()
	g.rs.Hang(2)
	g.run(ctx, h, 4, 5, "v", func(c int) int { return c % 2 })
	if len(h.failed) > 0 {
		t.Fatalf("proposals failed with one replica of three hung: %v", h.failed)
	}
	g.rs.Resume(2)
	g.proposeUntilDecided(t, ctx, h, 2, "after resuming")
	union := g.checkAgreement(t, h)
	if len(union) != 4*5+1 {
		t.Errorf("%d slots decided, want %d", len(union), 4*5+1)
	}
	g.waitConverged(t, ctx, union, allOf(3))
}

// TestBadInput: a Prepare or Accept for slot or ballot 0 is refused with InvalidArgument.
func TestBadInput(t *testing.T) {
	g := newGroup(t, 1)
	ctx := testCtx(t)
	node := g.nodes[0].RawNode
	_, err := gorums.RPCCall[*pb.PrepareRequest, *pb.Promise](ctx, node, "paxos.Paxos.Prepare", &pb.PrepareRequest{Slot: 0, Ballot: 5})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("Prepare of slot 0: %v, want InvalidArgument", err)
	}
	_, err = gorums.RPCCall[*pb.AcceptRequest, *pb.Accepted](ctx, node, "paxos.Paxos.Accept", &pb.AcceptRequest{Slot: 1, Ballot: 0, Value: "x"})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("Accept with ballot 0: %v, want InvalidArgument", err)
	}
	h := newHistory()
	if err := g.propose(ctx, h, 0, "still serving"); err != nil {
		t.Fatalf("a proposal after bad input: %v", err)
	}
	if log := g.checkAgreement(t, h); len(log) != 1 || log[1] != "still serving" {
		t.Errorf("log %v, want the one proposal in slot 1", log)
	}
}
