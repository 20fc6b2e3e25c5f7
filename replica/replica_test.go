package replica_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/configuration"
	ct "github.com/quorumcall/gorums/internal/calltypes"
	"github.com/quorumcall/gorums/replica"
)

// nester serves calltypes, except that QuorumCall and OrderedRPC with the value "outer" make
// a nested quorum call ("inner") on the replica's configuration and answer with its result.
type nester struct {
	*ct.Server
	cfg   *ct.Configuration
	inner string // the nested call's value; "inner" if empty
}

func (s *nester) nested(ctx gorums.ServerCtx, req *ct.Request, reply func(gorums.ServerCtx, *ct.Request) (*ct.Response, error)) (*ct.Response, error) {
	resp, err := reply(ctx, req) // records the request
	if err != nil || req.GetValue() != "outer" {
		return resp, err
	}
	ctx.Release() // the replicas called may call back on the stream this handler holds
	value := s.inner
	if value == "" {
		value = "inner"
	}
	inner, err := s.cfg.QuorumCall(ctx, &ct.Request{Value: value, Seq: req.GetSeq()})
	if err != nil {
		return nil, err
	}
	return &ct.Response{Result: "[" + inner.GetResult() + "]", Seq: req.GetSeq(), Node: s.ID()}, nil
}

func (s *nester) QuorumCall(ctx gorums.ServerCtx, req *ct.Request) (*ct.Response, error) {
	return s.nested(ctx, req, s.Server.QuorumCall)
}

func (s *nester) OrderedRPC(ctx gorums.ServerCtx, req *ct.Request) (*ct.Response, error) {
	return s.nested(ctx, req, s.Server.OrderedRPC)
}

func nesting(m *member) ct.CallTypes { return &nester{Server: m.srv, cfg: m.cfg} }

// summary is what ct.Summary makes of replies from replicas 1..n, each answering value.
func summary(n int, value string) string {
	parts := make([]string, n)
	for i := range n {
		parts[i] = fmt.Sprintf("%d=%s", i+1, value)
	}
	return strings.Join(parts, ",")
}

// arrivals returns the values of srv's arrivals of value by the network they came on.
func arrivals(srv *ct.Server, value string) map[string]int {
	out := make(map[string]int)
	for _, a := range srv.Arrivals() {
		if a.Value == value {
			out[network(a)]++
		}
	}
	return out
}

// TestNestedQuorumCalls: every replica calls every replica, each handler making a quorum
// call on every replica in turn, all at once, in several rounds. Each replica's own node goes
// in memory, its peers over TCP.
func TestNestedQuorumCalls(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			g := newGroup(t, n, groupSetup{wrap: nesting})
			ctx := testCtx(t)
			const rounds = 3
			want := summary(n, "["+summary(n, "inner")+"]")
			var wg sync.WaitGroup
			for _, m := range g.reps {
				wg.Go(func() {
					for k := range rounds {
						r, err := m.cfg.QuorumCall(ctx, &ct.Request{Value: "outer", Seq: uint64(k + 1)})
						if err != nil {
							t.Errorf("replica %d, round %d: %v", m.r.ID(), k, err)
							return
						}
						if r.GetResult() != want {
							t.Errorf("replica %d, round %d: %q, want %q", m.r.ID(), k, r.GetResult(), want)
						}
					}
				})
			}
			wg.Wait()
			// Each replica handled n*rounds outer calls (one per round from each replica, its
			// own in memory) and n*n*rounds inner ones (n per outer call handled anywhere).
			for _, m := range g.reps {
				wantOuter := map[string]int{"bufconn": rounds}
				wantInner := map[string]int{"bufconn": n * rounds}
				if n > 1 {
					wantOuter["tcp"] = (n - 1) * rounds
					wantInner["tcp"] = (n - 1) * n * rounds
				}
				if got := arrivals(m.srv, "outer"); !equalCounts(got, wantOuter) {
					t.Errorf("replica %d: outer calls by network %v, want %v", m.r.ID(), got, wantOuter)
				}
				if got := arrivals(m.srv, "inner"); !equalCounts(got, wantInner) {
					t.Errorf("replica %d: inner calls by network %v, want %v", m.r.ID(), got, wantInner)
				}
			}
		})
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestSelfCallsKeepOrder: calls of every type that a replica makes reach its own server in
// the order they were made, as they reach its peers.
func TestSelfCallsKeepOrder(t *testing.T) {
	g := newGroup(t, 3, groupSetup{})
	ctx := testCtx(t)
	m := g.reps[0]
	self := m.node(t, 1)
	if self.RawNode != m.r.Self() {
		t.Fatalf("the configuration's node 1 is not Self()")
	}
	var futures []*ct.AsyncResponse
	var toAll []uint64 // the calls that went to every replica
	const calls = 200
	for seq := uint64(1); seq <= calls; seq++ {
		req := &ct.Request{Value: "v", Seq: seq}
		switch seq % 4 {
		case 0:
			m.cfg.Multicast(ctx, req, gorums.WithNoSendWaiting())
			toAll = append(toAll, seq)
		case 1:
			futures = append(futures, m.cfg.QuorumCallAsync(ctx, req))
			toAll = append(toAll, seq)
		case 2:
			self.Unicast(ctx, req, gorums.WithNoSendWaiting())
		case 3:
			if _, err := self.OrderedRPC(ctx, req); err != nil {
				t.Fatalf("OrderedRPC %d on itself: %v", seq, err)
			}
		}
	}
	for _, f := range futures {
		if _, err := f.Get(); err != nil {
			t.Fatalf("async call: %v", err)
		}
	}
	for _, n := range m.cfg.Nodes() { // everything sent before the barrier is handled after it
		if _, err := n.OrderedRPC(ctx, &ct.Request{Value: ct.BarrierValue}); err != nil {
			t.Fatalf("barrier on %d: %v", n.ID(), err)
		}
	}
	var all []uint64
	for seq := uint64(1); seq <= calls; seq++ {
		all = append(all, seq)
	}
	if got := seqsFrom(g.reps[0].srv, "bufconn"); !slices.Equal(got, all) {
		t.Errorf("replica 1 handled its own calls in the order %v, want 1..%d in order", got, calls)
	}
	for _, peer := range g.reps[1:] {
		if got := seqsFrom(peer.srv, "tcp"); !slices.Equal(got, toAll) {
			t.Errorf("replica %d handled replica 1's calls in the order %v, want %v", peer.r.ID(), got, toAll)
		}
	}
}

func seqsFrom(srv *ct.Server, net string) []uint64 {
	var out []uint64
	for _, a := range srv.Arrivals() {
		if network(a) == net {
			out = append(out, a.Seq)
		}
	}
	return out
}

// holds hands out a channel per request sequence number, on which handlers wait.
type holds struct {
	mu sync.Mutex
	ch map[uint64]chan struct{}
}

func (h *holds) get(seq uint64) chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ch == nil {
		h.ch = make(map[uint64]chan struct{})
	}
	if h.ch[seq] == nil {
		h.ch[seq] = make(chan struct{})
	}
	return h.ch[seq]
}

// behavior makes handlers wait for the hold of their request ("wait"), Release first
// ("release"), or fail ("fail").
func (h *holds) behavior(int) ct.Behavior {
	return ct.Behavior{Before: func(ctx context.Context, _ string, req *ct.Request) error {
		switch req.GetValue() {
		case "release":
			ctx.(gorums.ServerCtx).Release()
			fallthrough
		case "wait":
			select {
			case <-h.get(req.GetSeq()):
			case <-ctx.Done():
			}
		case "fail":
			return status.Error(codes.FailedPrecondition, "refused")
		}
		return nil
	}}
}

// TestSelfRelease: on a replica's own node as on a peer, a handler holds its client's
// stream until it returns or calls Release.
func TestSelfRelease(t *testing.T) {
	var h holds
	g := newGroup(t, 2, groupSetup{behavior: h.behavior})
	ctx := testCtx(t)
	m := g.reps[0]
	for _, id := range []uint32{1, 2} {
		node := m.node(t, id)
		seq := uint64(id) * 10

		// Without Release the next request waits behind the held one.
		held := make(chan error, 1)
		go func() {
			_, err := node.OrderedRPC(ctx, &ct.Request{Value: "wait", Seq: seq})
			held <- err
		}()
		if !g.reps[id-1].srv.WaitFor(ctx, func(as []ct.Arrival) bool { return len(as) > 0 && as[len(as)-1].Seq == seq }) {
			t.Fatalf("node %d: the held request never arrived", id)
		}
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_, err := node.OrderedRPC(short, &ct.Request{Value: "next", Seq: seq + 1})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) && status.Code(err) != codes.DeadlineExceeded {
			t.Errorf("node %d: a request behind a held one returned %v, want it to wait", id, err)
		}
		close(h.get(seq))
		if err := <-held; err != nil {
			t.Fatalf("node %d: the held request: %v", id, err)
		}

		// With Release it goes on while the releasing handler waits.
		released := make(chan error, 1)
		go func() {
			_, err := node.OrderedRPC(ctx, &ct.Request{Value: "release", Seq: seq + 2})
			released <- err
		}()
		if _, err := node.OrderedRPC(ctx, &ct.Request{Value: "next", Seq: seq + 3}); err != nil {
			t.Fatalf("node %d: a request behind a released one: %v", id, err)
		}
		select {
		case err := <-released:
			t.Fatalf("node %d: the released handler returned (%v) before its hold was lifted", id, err)
		default:
		}
		close(h.get(seq + 2))
		if err := <-released; err != nil {
			t.Fatalf("node %d: the released request: %v", id, err)
		}
	}
}

// TestSelfErrors: a replica's own node fails as its peers do: handler errors, unknown
// methods and quorum call errors carry the same codes.
func TestSelfErrors(t *testing.T) {
	var h holds
	g := newGroup(t, 3, groupSetup{behavior: h.behavior})
	ctx := testCtx(t)
	m := g.reps[0]
	var got []string
	for _, id := range []uint32{1, 2} {
		node := m.node(t, id)
		_, err := node.OrderedRPC(ctx, &ct.Request{Value: "fail"})
		_, unknown := gorums.RPCCall[*ct.Request, *ct.Response](ctx, node.RawNode, "calltypes.CallTypes.NoSuchMethod", &ct.Request{})
		got = append(got, fmt.Sprintf("%v %q; %v", status.Code(err), status.Convert(err).Message(), status.Code(unknown)))
	}
	if got[0] != got[1] || got[0] != `FailedPrecondition "refused"; Unimplemented` {
		t.Errorf("errors of its own node and of a peer: %q and %q, want both FailedPrecondition \"refused\"; Unimplemented", got[0], got[1])
	}
	_, err := m.cfg.QuorumCall(ctx, &ct.Request{Value: "fail"})
	var qcErr gorums.QuorumCallError
	if !errors.As(err, &qcErr) || !errors.Is(err, gorums.ErrIncomplete) || len(qcErr.Errors) != 3 {
		t.Fatalf("QuorumCall failing everywhere: %v, want an incomplete call with 3 node errors", err)
	}
	for _, ne := range qcErr.Errors {
		if status.Code(ne.Cause) != codes.FailedPrecondition {
			t.Errorf("node %d: %v, want FailedPrecondition", ne.NodeID, ne.Cause)
		}
	}
}

// TestPeersDown: a replica whose peers are down starts and serves itself; its calls to the
// peers fail with Unavailable until they come up.
func TestPeersDown(t *testing.T) {
	s := groupSetup{down: []int{1, 2}}
	g := newGroup(t, 3, s)
	ctx := testCtx(t)
	m := g.reps[0]
	if r, err := m.node(t, 1).OrderedRPC(ctx, &ct.Request{Value: "alone"}); err != nil || r.GetNode() != 1 {
		t.Fatalf("its own node with its peers down: %v, %v", r, err)
	}
	if _, err := m.cfg.QuorumCall(ctx, &ct.Request{Value: "one", Quorum: 1}); err != nil {
		t.Fatalf("a quorum of itself with its peers down: %v", err)
	}
	_, err := m.cfg.QuorumCall(ctx, &ct.Request{Value: "all"})
	var qcErr gorums.QuorumCallError
	if !errors.As(err, &qcErr) || !errors.Is(err, gorums.ErrIncomplete) || qcErr.ReplyCount != 1 {
		t.Fatalf("a quorum of all with two down: %v, want an incomplete call with 1 reply", err)
	}
	var failed []uint32
	for _, ne := range qcErr.Errors {
		failed = append(failed, ne.NodeID)
		if status.Code(ne.Cause) != codes.Unavailable {
			t.Errorf("node %d: %v, want Unavailable", ne.NodeID, ne.Cause)
		}
	}
	slices.Sort(failed)
	if !slices.Equal(failed, []uint32{2, 3}) {
		t.Errorf("failed nodes %v, want [2 3]", failed)
	}

	g.start(t, 1, s) // replica 2 comes up; replica 1's node reconnects by itself
	if err := m.node(t, 2).WaitConnected(ctx); err != nil {
		t.Fatalf("replica 1 never reconnected to replica 2: %v", err)
	}
	if _, err := m.cfg.QuorumCall(ctx, &ct.Request{Value: "two", Quorum: 2}); err != nil {
		t.Fatalf("a quorum of two once replica 2 is up: %v", err)
	}
}

// clientOf returns a configuration of g's replicas on a manager of the test's own, closed at
// the test's end, as a client of the replicas has.
func clientOf(t *testing.T, g *group) *ct.Configuration {
	t.Helper()
	mgr := ct.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(mgr.Close)
	nodeMap := make(map[string]uint32)
	for id, addr := range g.members {
		nodeMap[addr] = id
	}
	cfg, err := mgr.NewConfiguration(ct.QSpec{Q: len(g.members)}, gorums.WithNodeMap(nodeMap))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// heldNestedCall starts three replicas whose peers (replicas 2 and 3) hold "wait" requests,
// and a client's ordered RPC to replica 1 whose handler makes a nested quorum call "wait" on
// every replica; it returns once every replica, replica 1 itself included, has the nested
// call, with the client call's result to come on done. (A server that stops gracefully
// refuses requests that come after its stop began, so replica 1's own must be in first.)
func heldNestedCall(t *testing.T, h *holds, seq uint64) (g *group, done <-chan error) {
	t.Helper()
	g = newGroup(t, 3, groupSetup{
		behavior: func(i int) ct.Behavior {
			if i == 0 {
				return ct.Behavior{}
			}
			return h.behavior(i)
		},
		wrap: func(m *member) ct.CallTypes { return &nester{Server: m.srv, cfg: m.cfg, inner: "wait"} },
	})
	client := clientOf(t, g)
	ctx := testCtx(t)
	result := make(chan error, 1)
	go func() {
		_, err := client.Nodes()[0].OrderedRPC(ctx, &ct.Request{Value: "outer", Seq: seq})
		result <- err
	}()
	for _, peer := range g.reps {
		if !peer.srv.WaitFor(ctx, func(as []ct.Arrival) bool { return len(as) > 0 && as[len(as)-1].Value == "wait" }) {
			t.Fatalf("replica %d never got the nested call", peer.r.ID())
		}
	}
	return g, result
}

// TestStopDuringNestedCall: a replica stopped while a handler waits for a nested call that
// cannot complete stops at once: the nested call fails, the handler returns, nothing leaks.
func TestStopDuringNestedCall(t *testing.T) {
	var h holds
	g, done := heldNestedCall(t, &h, 1)
	g.reps[0].stop(t) // returns only once the handler has
	if err := <-done; status.Code(err) != codes.Unavailable {
		t.Errorf("the client's call to the stopped replica: %v, want Unavailable", err)
	}
	// The peers' held handlers end with the streams from replica 1, which its Stop closed.
}

// TestGracefulStopLetsHandlersCall: GracefulStop waits for a running handler, whose nested
// call to the peers still works, and its reply reaches the client.
func TestGracefulStopLetsHandlersCall(t *testing.T) {
	var h holds
	g, done := heldNestedCall(t, &h, 7)
	stopped := make(chan struct{})
	go func() {
		g.reps[0].r.GracefulStop()
		close(stopped)
	}()
	// Once the graceful stop has begun the replica's listener is closed.
	deadline := time.Now().Add(failsafe)
	for {
		conn, err := net.Dial("tcp", g.members[1])
		if err != nil {
			break
		}
		_ = conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the replica still accepts connections after GracefulStop began")
		}
		time.Sleep(time.Millisecond) // polling for the listener to close
	}
	close(h.get(7)) // the peers answer the nested call
	if err := <-done; err != nil {
		t.Errorf("the call whose handler ran during GracefulStop: %v", err)
	}
	<-stopped
}

// TestLifecycle: Stop before serving, twice, and serving after Stop.
func TestLifecycle(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	members := map[uint32]string{1: lis.Addr().String(), 2: "127.0.0.1:1"}
	r, err := replica.New(1, members, baseOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID() != 1 || r.Address() != members[1] || r.Configuration().Size() != 2 ||
		!slices.Equal(r.Peers().NodeIDs(), []uint32{2}) || r.Self().ID() != 1 || r.Members()[2] != members[2] {
		t.Errorf("ID %d, Address %s, Configuration %v, Peers %v, Self %v, Members %v",
			r.ID(), r.Address(), r.Configuration().NodeIDs(), r.Peers().NodeIDs(), r.Self(), r.Members())
	}
	r.Stop()
	r.Stop()
	if err := r.Serve(lis); err != nil {
		t.Errorf("Serve after Stop: %v, want nil at once, as Server.Serve", err)
	}
	if _, err := lis.Accept(); err == nil {
		t.Error("Serve after Stop left the listener open")
	}
	if err := r.Start(); !errors.Is(err, replica.ErrStopped) {
		t.Errorf("Start after Stop: %v, want ErrStopped", err)
	}
}

// TestStart: Start listens on the replica's address and serves until Stop; a second Start
// on the same address fails.
func TestStart(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	_ = lis.Close()
	r, err := replica.New(1, map[uint32]string{1: addr}, baseOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	srv := ct.NewServer(1, ct.Behavior{})
	ct.RegisterCallTypesServer(r.Server(), srv)
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err == nil || !strings.Contains(err.Error(), "replica 1") {
		t.Errorf("Start twice on one address: %v, want a listen error naming the replica", err)
	}
	ctx := testCtx(t)
	cfg := ct.ConfigurationFromRaw(r.Configuration(), ct.QSpec{Q: 1})
	if _, err := cfg.QuorumCall(ctx, &ct.Request{Value: "self"}); err != nil {
		t.Fatalf("a quorum call of itself: %v", err)
	}
	g := &group{members: map[uint32]string{1: addr}}
	if _, err := clientOf(t, g).Nodes()[0].OrderedRPC(ctx, &ct.Request{Value: "client"}); err != nil {
		t.Fatalf("a client at the replica's address: %v", err)
	}
	if got := arrivals(srv, "self"); got["bufconn"] != 1 {
		t.Errorf("its own call arrived by %v, want in memory", got)
	}
	if got := arrivals(srv, "client"); got["tcp"] != 1 {
		t.Errorf("the client's call arrived by %v, want over TCP", got)
	}
}

// TestHostName: a replica named by host name reaches itself in memory all the same.
func TestHostName(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	r, err := replica.New(7, map[uint32]string{7: net.JoinHostPort("localhost", port)}, baseOptions()...)
	if err != nil {
		_ = lis.Close()
		t.Fatal(err)
	}
	srv := ct.NewServer(7, ct.Behavior{})
	ct.RegisterCallTypesServer(r.Server(), srv)
	served := make(chan error, 1)
	go func() { served <- r.Serve(lis) }()
	t.Cleanup(func() {
		r.Stop()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	cfg := ct.ConfigurationFromRaw(r.Configuration(), ct.QSpec{Q: 1})
	if _, err := cfg.QuorumCall(testCtx(t), &ct.Request{Value: "self"}); err != nil {
		t.Fatalf("a quorum call of itself: %v", err)
	}
	if got := arrivals(srv, "self"); got["bufconn"] != 1 {
		t.Errorf("its own call at localhost arrived by %v, want in memory", got)
	}
}

// TestNewRefuses: bad members are refused with an error naming the replica and the cause.
func TestNewRefuses(t *testing.T) {
	creds := baseOptions()
	for _, tc := range []struct {
		name    string
		id      uint32
		members map[uint32]string
		opts    []replica.Option
		want    string
	}{
		{"not a member", 4, map[uint32]string{1: "127.0.0.1:9001", 2: "127.0.0.1:9002"}, creds,
			"gorums: replica 4: not among the members [1 2]"},
		{"one address twice", 1, map[uint32]string{1: "127.0.0.1:9001", 2: "127.0.0.1:9001"}, creds,
			`gorums: replica 1: members 1 and 2 have the same address "127.0.0.1:9001"; one server counts once`},
		{"one server twice", 1, map[uint32]string{1: "127.0.0.1:9001", 2: "[::ffff:127.0.0.1]:9001"}, creds,
			"one server counts once"},
		{"no port", 1, map[uint32]string{1: "127.0.0.1"}, creds, "gorums: replica 1: address \"127.0.0.1\""},
		{"no credentials", 1, map[uint32]string{1: "127.0.0.1:9001"}, nil, "no transport security set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := replica.New(tc.id, tc.members, tc.opts...)
			if err == nil {
				r.Stop()
				t.Fatalf("New made a replica; want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
}

// TestOneNodePerServer: the replica's manager refuses a second node for a member's server,
// and makes configurations of the members by ID.
func TestOneNodePerServer(t *testing.T) {
	members := map[uint32]string{1: "127.0.0.1:9001", 2: "127.0.0.1:9002", 3: "127.0.0.1:9003"}
	r, err := replica.New(1, members, baseOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Stop)
	if _, err := configuration.New(r.Manager(), configuration.WithNodeMap(map[string]uint32{members[1]: 99})); err == nil ||
		!strings.Contains(err.Error(), "one server counts once") {
		t.Errorf("a second node for the replica's own server: %v, want refused", err)
	}
	two, err := configuration.New(r.Manager(), configuration.WithNodeIDs([]uint32{1, 2}))
	if err != nil || !slices.Equal(two.NodeIDs(), []uint32{1, 2}) {
		t.Errorf("a configuration of members 1 and 2: %v, %v", two.NodeIDs(), err)
	}
	if r.Manager().Size() != 3 {
		t.Errorf("the manager has %d nodes, want 3", r.Manager().Size())
	}
}
