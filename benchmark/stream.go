package benchmark

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// pendingShards is how many locks the stream baseline's table of waiting calls is split over,
// so that the receive goroutines and the callers rarely wait for each other.
const pendingShards = 16

// streamClient is the hand-written gRPC bidi-stream fan-out, the best fan-out one writes by hand
// on gRPC: one grpc.ClientConn and one long-lived BenchStream.Stream per server, and one
// goroutine per stream receiving replies and routing them by ID to the waiting call.
//
// A call takes a fresh ID, registers itself in the pending table under it, sends its request
// with the ID as seq to every stream (sends on one stream are serialised by the stream's mutex,
// as gRPC allows one sender at a time), and returns as soon as a quorum replied. The wire seq is
// the call ID, not the caller's seq, because callers reuse one request (and so one seq) call
// after call: a reply left over from the previous call must not count for the next one. Gorums
// matches replies the same way, by a message ID of its own. The reply handed back carries the
// caller's seq again.
//
// A call encodes its request once, with gRPC's PreparedMsg, and sends the same bytes on every
// stream. Calls are pooled, with their result channel and wire request, so that a call
// allocates nothing of its own beyond the encoded request. A receive goroutine hands a reply to a call only under the lock of the
// call's pending shard, and a call leaves the table under the same lock before it is reused,
// so no reply of an old call reaches a new one.
type streamClient struct {
	conns   []*grpc.ClientConn
	streams []*sender
	quorum  int
	nextID  atomic.Int64
	cancel  context.CancelFunc // ends every stream
	wg      sync.WaitGroup     // the receive goroutines
	pending [pendingShards]pendingShard
	calls   sync.Pool // *streamCall
}

// pendingShard holds the waiting calls whose ID is its index modulo pendingShards.
type pendingShard struct {
	mu    sync.Mutex
	calls map[int64]*streamCall
	_     [40]byte // keeps neighbouring shards' locks off one cache line
}

// sender is one stream's sending side: mu serialises SendMsg and guards err, which is set once
// the stream is broken; no send is tried after that.
type sender struct {
	mu     sync.Mutex
	stream grpc.ClientStream
	err    error
}

func (s *sender) send(m *grpc.PreparedMsg) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return s.stream.SendMsg(m)
}

// prepare encodes m once for every stream of a fan-out, as gRPC's PreparedMsg allows: the
// streams share one codec. The stream only lends its codec; it may be broken.
func prepare(stream grpc.ClientStream, m *benchpb.Echo) (*grpc.PreparedMsg, error) {
	pm := new(grpc.PreparedMsg)
	if err := pm.Encode(stream, m); err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return pm, nil
}

func (s *sender) fail(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
}

// streamCall is one waiting call. Each stream delivers at most one result to it (a reply or an
// error, recorded in delivered under the shard's lock), so with room for one result per stream
// no send on results blocks.
type streamCall struct {
	c         *streamClient
	ctx       context.Context
	id        int64
	seq       int64         // the caller's seq, put back into the reply
	req       *benchpb.Echo // the wire request; gRPC has encoded it once Send returns
	results   chan streamResult
	delivered []uint64 // bit i: stream i has delivered; guarded by the shard's lock
}

type streamResult struct {
	reply *benchpb.Echo
	err   error
}

func newStreamClient(ctx context.Context, addrs []string, quorum int) (*streamClient, error) {
	sctx, cancel := context.WithCancel(context.Background())
	c := &streamClient{quorum: quorum, cancel: cancel}
	for i := range c.pending {
		c.pending[i].calls = make(map[int64]*streamCall)
	}
	n := len(addrs)
	c.calls.New = func() any {
		return &streamCall{
			c:         c,
			req:       &benchpb.Echo{},
			results:   make(chan streamResult, n),
			delivered: make([]uint64, (n+63)/64),
		}
	}
	for i, addr := range addrs {
		conn, err := dial(ctx, addr)
		if err != nil {
			_ = c.close()
			return nil, fmt.Errorf("stream baseline: %w", err)
		}
		c.conns = append(c.conns, conn)
		stream, err := benchpb.NewBenchStreamClient(conn).Stream(sctx)
		if err != nil {
			_ = c.close()
			return nil, fmt.Errorf("stream baseline: %s: %w", addr, err)
		}
		s := &sender{stream: stream}
		c.streams = append(c.streams, s)
		c.wg.Add(1)
		go c.receive(i, stream, s)
	}
	return c, nil
}

// close ends the streams, waits for their receive goroutines and closes the connections.
func (c *streamClient) close() error {
	c.cancel()
	c.wg.Wait()
	var errs []error
	for _, conn := range c.conns {
		errs = append(errs, conn.Close())
	}
	return errors.Join(errs...)
}

func (c *streamClient) op(ctx context.Context, bench Benchmark) (*Op, error) {
	switch bench {
	case QuorumCall, SlowServer:
		return &Op{Call: c.qc}, nil
	case AsyncQuorumCall:
		return &Op{Start: c.start}, nil
	case Multicast:
		return c.oneway(ctx)
	}
	return nil, fmt.Errorf("%w: %s", ErrUnsupported, bench)
}

// receive routes the replies of stream i to their calls until the stream breaks; then it
// gives the error to every call still waiting for stream i.
func (c *streamClient) receive(i int, stream grpc.BidiStreamingClient[benchpb.Echo, benchpb.Echo], s *sender) {
	defer c.wg.Done()
	for {
		reply, err := stream.Recv()
		if err != nil {
			s.fail(err) // before the calls are told: a call registered later fails to send
			for k := range c.pending {
				sh := &c.pending[k]
				sh.mu.Lock()
				for _, call := range sh.calls {
					call.deliverLocked(i, streamResult{err: err})
				}
				sh.mu.Unlock()
			}
			return
		}
		sh := c.shard(reply.Seq)
		sh.mu.Lock()
		if call := sh.calls[reply.Seq]; call != nil {
			call.deliverLocked(i, streamResult{reply: reply})
		}
		sh.mu.Unlock()
	}
}

func (c *streamClient) shard(id int64) *pendingShard { return &c.pending[uint64(id)%pendingShards] }

// deliverLocked gives the call the result of stream i unless that stream gave one already.
// The call's shard lock is held; the send does not block (see streamCall).
func (call *streamCall) deliverLocked(i int, r streamResult) {
	word, bit := i/64, uint64(1)<<(i%64)
	if call.delivered[word]&bit != 0 {
		return // a stream's reply and then its error: only the first counts
	}
	call.delivered[word] |= bit
	call.results <- r
}

// start registers a call and sends its request to every stream.
func (c *streamClient) start(ctx context.Context, in *benchpb.Echo) Future {
	call := c.calls.Get().(*streamCall)
	call.ctx, call.seq, call.id = ctx, in.Seq, c.nextID.Add(1)
	call.req.Payload, call.req.Seq, call.req.DelayNs = in.Payload, call.id, in.DelayNs
	sh := c.shard(call.id)
	sh.mu.Lock()
	sh.calls[call.id] = call
	sh.mu.Unlock()
	pm, encodeErr := prepare(c.streams[0].stream, call.req)
	call.req.Payload = nil // do not keep the caller's payload alive in the pool
	for i, s := range c.streams {
		err := encodeErr
		if err == nil {
			err = s.send(pm)
		}
		if err != nil {
			sh.mu.Lock()
			call.deliverLocked(i, streamResult{err: err})
			sh.mu.Unlock()
		}
	}
	return call
}

func (c *streamClient) qc(ctx context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
	return c.start(ctx, in).Get()
}

// Get waits for a quorum of replies and returns the last of them, then puts the call back
// into the pool: Get must be called once.
func (call *streamCall) Get() (*benchpb.Echo, error) {
	defer call.release()
	n, quorum := cap(call.results), call.c.quorum
	var (
		ok   int
		errs []error
	)
	for range n {
		select {
		case r := <-call.results:
			if r.err != nil {
				errs = append(errs, r.err)
				if n-len(errs) < quorum {
					return nil, fmt.Errorf("stream baseline: no quorum: %w", errors.Join(errs...))
				}
				continue
			}
			ok++
			if ok >= quorum {
				r.reply.Seq = call.seq // the reply is this call's alone; see streamClient
				return r.reply, nil
			}
		case <-call.ctx.Done():
			return nil, call.ctx.Err()
		}
	}
	return nil, fmt.Errorf("stream baseline: no quorum: %w", errors.Join(errs...))
}

// release takes the call out of the pending table, after which no stream delivers to it,
// empties it and puts it back into the pool.
func (call *streamCall) release() {
	sh := call.c.shard(call.id)
	sh.mu.Lock()
	delete(sh.calls, call.id)
	sh.mu.Unlock()
	for len(call.results) > 0 {
		<-call.results
	}
	clear(call.delivered)
	call.ctx = nil
	call.c.calls.Put(call)
}

// oneway returns the stream baseline's multicast: one BenchStream.Oneway client stream per
// server, opened now; a call encodes the message once and sends it on every stream. Finish
// ends the streams and sums the counts the servers reply with.
func (c *streamClient) oneway(ctx context.Context) (*Op, error) {
	octx, cancel := context.WithCancel(context.Background())
	streams := make([]grpc.ClientStreamingClient[benchpb.Echo, benchpb.ServerStats], 0, len(c.conns))
	senders := make([]*sender, 0, len(c.conns))
	for _, conn := range c.conns {
		stream, err := benchpb.NewBenchStreamClient(conn).Oneway(octx)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("stream baseline: %s: %w", conn.Target(), err)
		}
		streams = append(streams, stream)
		senders = append(senders, &sender{stream: stream})
	}
	call := func(_ context.Context, in *benchpb.Echo) (*benchpb.Echo, error) {
		pm, err := prepare(streams[0], in)
		if err != nil {
			return nil, fmt.Errorf("stream baseline: %w", err)
		}
		for _, s := range senders {
			if err := s.send(pm); err != nil {
				return nil, fmt.Errorf("stream baseline: one-way send: %w", err)
			}
		}
		return nil, nil
	}
	finish := func(ctx context.Context) (uint64, error) {
		defer cancel()
		// CloseAndRecv waits for the server; ctx, and runGrace for a server that stopped
		// answering, bound it.
		ctx, cancelWait := context.WithTimeout(ctx, runGrace)
		defer cancelWait()
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
		var (
			delivered uint64
			errs      []error
		)
		for _, stream := range streams {
			reply, err := stream.CloseAndRecv()
			if err != nil {
				errs = append(errs, fmt.Errorf("stream baseline: one-way stream: %w", err))
				continue
			}
			delivered += reply.GetOneways()
		}
		return delivered, errors.Join(errs...)
	}
	return &Op{Call: call, OneWay: true, Finish: finish}, nil
}
