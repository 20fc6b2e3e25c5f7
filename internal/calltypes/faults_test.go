package calltypes

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/nettest"
)

// quorumVariants are the calls that need a quorum of 2 of the 3 nodes, run alike: each
// returns its result's Result and its error.
var quorumVariants = []struct {
	name    string
	perNode bool
	call    func(ctx context.Context, cfg *Configuration, in *Request, f func(*Request, uint32) *Request) (string, error)
}{
	{"QuorumCall", false, func(ctx context.Context, cfg *Configuration, in *Request, _ func(*Request, uint32) *Request) (string, error) {
		r, err := cfg.QuorumCall(ctx, in)
		return r.GetResult(), err
	}},
	{"QuorumCallPerNode", true, func(ctx context.Context, cfg *Configuration, in *Request, f func(*Request, uint32) *Request) (string, error) {
		r, err := cfg.QuorumCallPerNode(ctx, in, f)
		return r.GetResult(), err
	}},
	{"QuorumCallAsync", false, func(ctx context.Context, cfg *Configuration, in *Request, _ func(*Request, uint32) *Request) (string, error) {
		r, err := cfg.QuorumCallAsync(ctx, in).Get()
		return r.GetResult(), err
	}},
	{"QuorumCallAsyncPerNode", true, func(ctx context.Context, cfg *Configuration, in *Request, f func(*Request, uint32) *Request) (string, error) {
		r, err := cfg.QuorumCallAsyncPerNode(ctx, in, f).Get()
		return r.GetResult(), err
	}},
	{"Correctable", false, func(ctx context.Context, cfg *Configuration, in *Request, _ func(*Request, uint32) *Request) (string, error) {
		return getFinal(cfg.Correctable(ctx, in))
	}},
	{"CorrectablePerNode", true, func(ctx context.Context, cfg *Configuration, in *Request, f func(*Request, uint32) *Request) (string, error) {
		return getFinal(cfg.CorrectablePerNode(ctx, in, f))
	}},
	{"CorrectableStream", false, func(ctx context.Context, cfg *Configuration, in *Request, _ func(*Request, uint32) *Request) (string, error) {
		return getFinal(cfg.CorrectableStream(ctx, in))
	}},
	{"CorrectableStreamPerNode", true, func(ctx context.Context, cfg *Configuration, in *Request, f func(*Request, uint32) *Request) (string, error) {
		return getFinal(cfg.CorrectableStreamPerNode(ctx, in, f))
	}},
}

type correctableHandle interface {
	Done() <-chan struct{}
	Get() (*Response, int, error)
}

func getFinal(c correctableHandle) (string, error) {
	<-c.Done()
	r, _, err := c.Get()
	return r.GetResult(), err
}

// A node that cannot be sent to (its mailbox is full) counts as that node's failure, and every
// quorum call type goes on with the others: two of three nodes are a quorum.
func TestQuorumOfOthersWhenOneNodeIsFull(t *testing.T) {
	silent := nettest.SilentListener(t)
	a, b := NewServer(2, Behavior{}), NewServer(3, Behavior{})
	addrA, addrB := startServer(t, a), startServer(t, b)
	mgr := NewManager(
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithSendBufferSize(1),
		gorums.WithConnectWait(time.Hour), // node 1 stays in its first attempt: its mailbox stays full
	)
	t.Cleanup(mgr.Close)
	cfg, err := mgr.NewConfiguration(QSpec{Q: 2}, gorums.WithNodeMap(map[string]uint32{silent: 1, addrA: 2, addrB: 3}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, n := range cfg.Nodes()[1:] {
		// An answered ordered RPC: the node's one-message mailbox is empty again (the
		// connection's own messages included).
		if _, err := n.OrderedRPC(ctx, &Request{Value: BarrierValue}); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Nodes()[0].Unicast(ctx, &Request{Seq: 1}, gorums.WithNoSendWaiting()) // fills node 1's mailbox
	for i, v := range quorumVariants {
		t.Run(v.name, func(t *testing.T) {
			in := &Request{Value: "v", Seq: uint64(10 + i)}
			same := func(r *Request, _ uint32) *Request { return r }
			got, err := v.call(ctx, cfg, in, same)
			if err != nil {
				t.Fatalf("%s with node 1 full: %v", v.name, err)
			}
			if want := summaryOf([]uint32{2, 3}, func(uint32) string { return "v" }); got != want {
				t.Fatalf("result %q, want %q", got, want)
			}
		})
	}
}

// A per-node message that does not encode (invalid UTF-8 in a proto3 string) is that node's
// failure only.
func TestQuorumOfOthersWhenOneMessageDoesNotEncode(t *testing.T) {
	c := newCluster(t, 3, setup{})
	ctx := testCtx(t)
	for i, v := range quorumVariants {
		if !v.perNode {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			in := &Request{Value: "v", Seq: uint64(10 + i), Quorum: 2}
			perNode := func(r *Request, id uint32) *Request {
				if id == 1 {
					return &Request{Value: "\xff", Seq: r.Seq, Quorum: r.Quorum}
				}
				return r
			}
			got, err := v.call(ctx, c.cfg, in, perNode)
			if err != nil {
				t.Fatalf("%s with node 1's message not encoding: %v", v.name, err)
			}
			if want := summaryOf([]uint32{2, 3}, func(uint32) string { return "v" }); got != want {
				t.Fatalf("result %q, want %q", got, want)
			}
		})
	}
}

// A request that gRPC refuses on its own (larger than the send limit) fails alone: the stream
// stays up, the requests in flight on it and after it are handled, and their handlers never
// see their context end.
func TestRefusedRequestFailsAlone(t *testing.T) {
	release := make(gate)
	var mu sync.Mutex
	var canceled []uint64
	c := newCluster(t, 1, setup{
		insecure: true,
		mgrOpts:  []gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64 << 10)))},
		behavior: func(int) Behavior {
			return Behavior{Before: func(ctx context.Context, method string, req *Request) error {
				if req.GetValue() == "first" {
					if err := release.wait(ctx); err != nil {
						return err
					}
				}
				if ctx.Err() != nil {
					mu.Lock()
					canceled = append(canceled, req.GetSeq())
					mu.Unlock()
				}
				return nil
			}}
		},
	})
	ctx := testCtx(t)
	node := c.nodes[0]
	c.barrier(t, ctx)
	const inFlight = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*inFlight)
	call := func(seq uint64, value string) {
		defer wg.Done()
		if _, err := node.OrderedRPC(ctx, &Request{Seq: seq, Value: value}); err != nil {
			errs <- err
		}
	}
	wg.Add(1)
	go call(1, "first")
	c.srvs[0].WaitFor(ctx, func(arr []Arrival) bool { return len(arr) > 0 && arr[len(arr)-1].Value == "first" })
	for i := range inFlight - 1 {
		wg.Add(1)
		go call(uint64(2+i), "small")
	}
	_, err := node.OrderedRPC(ctx, &Request{Seq: 100, Value: strings.Repeat("x", 100<<10)})
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("100 KiB request: %v, want ResourceExhausted", err)
	}
	close(release)
	wg.Wait()
	for i := range inFlight {
		wg.Add(1)
		go call(uint64(200+i), "after")
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a small request failed: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(canceled) > 0 {
		t.Fatalf("handlers of requests %v saw their context end", canceled)
	}
	if err := node.LastErr(); err != nil {
		t.Fatalf("LastErr = %v: the stream broke", err)
	}
}

// blockingQF is a QuorumSpec whose correctable stream quorum function blocks on its first
// call until released.
type blockingQF struct {
	QSpec
	entered chan struct{}
	release gate
	once    *sync.Once
}

func (q blockingQF) CorrectableStreamQF(in *Request, replies map[uint32]*Response) (*Response, int, bool) {
	q.once.Do(func() {
		close(q.entered)
		<-q.release
	})
	return q.QSpec.CorrectableStreamQF(in, replies)
}

// A slow quorum function never makes a node's receiver wait: while one call's quorum function
// is stuck and its node keeps sending stream replies, an ordered RPC to that node is answered.
func TestSlowQuorumFunctionDoesNotBlockNode(t *testing.T) {
	c := newCluster(t, 1, setup{})
	q := blockingQF{QSpec: QSpec{Q: 1}, entered: make(chan struct{}), release: make(gate), once: &sync.Once{}}
	cfg, err := c.mgr.NewConfiguration(q, gorums.WithNodeIDs(c.cfg.NodeIDs()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	stream := cfg.CorrectableStream(ctx, &Request{Value: "s", Seq: 1, Parts: 500, Quorum: 500})
	waitClosed(t, q.entered, "the quorum function was never called")
	// The server sends 500 replies; the collector takes none while its function is stuck.
	c.srvs[0].WaitFor(ctx, func(arr []Arrival) bool { return len(arr) > 0 })
	if _, err := c.nodes[0].OrderedRPC(ctx, &Request{Value: "unrelated", Seq: 2}); err != nil {
		t.Fatalf("ordered RPC while another call's quorum function is stuck: %v", err)
	}
	close(q.release)
	<-stream.Done()
	if _, level, _ := stream.Get(); level != 500 {
		t.Fatalf("stream ended at level %d, want 500 (the newest reply)", level)
	}
}

// panickingQF is a QuorumSpec whose quorum functions panic.
type panickingQF struct{ QSpec }

func (panickingQF) QuorumCallQF(*Request, map[uint32]*Response) (*Response, bool) { panic("qf boom") }
func (panickingQF) QuorumCallAsyncQF(*Request, map[uint32]*Response) (*Response, bool) {
	panic("qf boom")
}
func (panickingQF) CorrectableQF(*Request, map[uint32]*Response) (*Response, int, bool) {
	panic("qf boom")
}
func (panickingQF) CorrectableStreamQF(*Request, map[uint32]*Response) (*Response, int, bool) {
	panic("qf boom")
}

// A panicking quorum function fails its call with Internal, naming the panic; the process,
// the nodes and later calls live on.
func TestPanickingQuorumFunctionFailsCall(t *testing.T) {
	c := newCluster(t, 3, setup{})
	cfg, err := c.mgr.NewConfiguration(panickingQF{QSpec{Q: 3}}, gorums.WithNodeIDs(c.cfg.NodeIDs()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	for _, v := range quorumVariants {
		if v.perNode {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			_, err := v.call(ctx, cfg, &Request{Value: "p"}, nil)
			if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "qf boom") {
				t.Fatalf("%s with a panicking quorum function: %v, want Internal naming the panic", v.name, err)
			}
		})
	}
	if r, err := c.cfg.QuorumCall(ctx, &Request{Value: "after"}); err != nil || r.GetResult() == "" {
		t.Fatalf("a call after the panics: %v, %v", r, err)
	}
}

// Errors name each node once.
func TestCallErrorsNameNodeOnce(t *testing.T) {
	mgr := NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	t.Cleanup(mgr.Close)
	dead := nettest.DeadAddr(t)
	cfg, err := mgr.NewConfiguration(QSpec{Q: 1}, gorums.WithNodeList([]string{dead}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	node := cfg.Nodes()[0]
	id := fmt.Sprint(node.ID())
	_, qcErr := cfg.QuorumCall(ctx, &Request{})
	_, rpcErr := node.OrderedRPC(ctx, &Request{})
	for _, err := range []error{qcErr, rpcErr} {
		if err == nil {
			t.Fatal("a call to a dead node succeeded")
		}
		if n := strings.Count(err.Error(), id); n != 1 {
			t.Errorf("%q names node %s %d times", err, id, n)
		}
	}
	if status.Code(rpcErr) != codes.Unavailable {
		t.Errorf("ordered RPC to a dead node: code %v", status.Code(rpcErr))
	}
	var ne gorums.NodeError
	if !errors.As(rpcErr, &ne) || ne.NodeID != node.ID() {
		t.Errorf("ordered RPC error %v is not a NodeError of node %d", rpcErr, node.ID())
	}
}
