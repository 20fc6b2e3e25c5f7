package gorums_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/kv"
)

// The examples use the KV service of internal/kv/kv.proto: versioned values by key. kvServer
// is its server, qspec its quorum functions, and startServers runs n servers on loopback
// ports, as Example_server shows step by step.

// kvServer implements kv.KV: a write wins if its version is newer than the stored one.
// Different clients' handlers run concurrently, hence the mutex.
type kvServer struct {
	mu      sync.Mutex
	values  map[string]*kv.Value
	changed chan struct{} // closed and replaced at every change, for WaitFor
}

func newKVServer() *kvServer {
	return &kvServer{values: make(map[string]*kv.Value), changed: make(chan struct{})}
}

func (s *kvServer) get(key string) (*kv.Value, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.values[key]; ok {
		return v, s.changed
	}
	return &kv.Value{Key: key}, s.changed
}

func (s *kvServer) Read(_ gorums.ServerCtx, in *kv.ReadRequest) (*kv.Value, error) {
	v, _ := s.get(in.GetKey())
	return v, nil
}

func (s *kvServer) ReadAsync(ctx gorums.ServerCtx, in *kv.ReadRequest) (*kv.Value, error) {
	return s.Read(ctx, in)
}

func (s *kvServer) ReadCorrectable(ctx gorums.ServerCtx, in *kv.ReadRequest) (*kv.Value, error) {
	return s.Read(ctx, in)
}

// WaitFor waits until the key's version reaches in.MinVersion. It calls Release first: a
// client's requests are handled one at a time, in order, so without Release the client's
// next requests, among them the write it waits for, would wait behind it forever.
func (s *kvServer) WaitFor(ctx gorums.ServerCtx, in *kv.ReadRequest) (*kv.Value, error) {
	ctx.Release()
	for {
		v, changed := s.get(in.GetKey())
		if v.GetVersion() >= in.GetMinVersion() {
			return v, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
}

func (s *kvServer) Write(_ gorums.ServerCtx, in *kv.Value) (*kv.WriteResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.GetVersion() <= s.values[in.GetKey()].GetVersion() {
		return &kv.WriteResponse{New: false}, nil
	}
	s.values[in.GetKey()] = in
	close(s.changed)
	s.changed = make(chan struct{})
	return &kv.WriteResponse{New: true}, nil
}

func (s *kvServer) Put(ctx gorums.ServerCtx, in *kv.Value) { _, _ = s.Write(ctx, in) }

// qspec is a majority quorum of n servers: q = n/2+1 replies.
type qspec struct{ n, q int }

// The compiler checks that qspec has every quorum function of the service.
var _ kv.QuorumSpec = (*qspec)(nil)

func majority(n int) *qspec { return &qspec{n: n, q: n/2 + 1} }

// newest returns the value with the highest version.
func newest(replies map[uint32]*kv.Value) *kv.Value {
	var best *kv.Value
	for _, v := range replies {
		if best == nil || v.GetVersion() > best.GetVersion() {
			best = v
		}
	}
	return best
}

func (qs *qspec) ReadQF(_ *kv.ReadRequest, replies map[uint32]*kv.Value) (*kv.Value, bool) {
	if len(replies) < qs.q {
		return nil, false // wait for more replies
	}
	return newest(replies), true
}

func (qs *qspec) ReadAsyncQF(in *kv.ReadRequest, replies map[uint32]*kv.Value) (*kv.Value, bool) {
	return qs.ReadQF(in, replies)
}

func (qs *qspec) WaitForQF(in *kv.ReadRequest, replies map[uint32]*kv.Value) (*kv.Value, bool) {
	return qs.ReadQF(in, replies)
}

// ReadCorrectableQF reports the newest value so far at the level of the number of replies,
// and is done when every server has replied.
func (qs *qspec) ReadCorrectableQF(_ *kv.ReadRequest, replies map[uint32]*kv.Value) (*kv.Value, int, bool) {
	return newest(replies), len(replies), len(replies) == qs.n
}

func (qs *qspec) WriteQF(_ *kv.Value, replies map[uint32]*kv.WriteResponse) (*kv.WriteResponse, bool) {
	if len(replies) < qs.q {
		return nil, false
	}
	for _, r := range replies {
		if !r.GetNew() {
			return r, true
		}
	}
	return &kv.WriteResponse{New: true}, true
}

// servers are KV servers running on loopback ports.
type servers struct {
	addrs []string
	srvs  []*gorums.Server
	wg    sync.WaitGroup
}

// startServers starts n KV servers on 127.0.0.1 ports chosen by the system.
func startServers(n int) *servers {
	s := &servers{}
	for range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		srv := gorums.NewServer()
		kv.RegisterKVServer(srv, newKVServer())
		s.wg.Go(func() { _ = srv.Serve(lis) })
		s.addrs = append(s.addrs, lis.Addr().String())
		s.srvs = append(s.srvs, srv)
	}
	return s
}

// stop stops every server and waits for them.
func (s *servers) stop() {
	for _, srv := range s.srvs {
		srv.Stop()
	}
	s.wg.Wait()
}

// newConfiguration returns a manager and a configuration of the servers at addrs with a
// majority quorum. Close the manager when done.
func newConfiguration(addrs []string) (*kv.Manager, *kv.Configuration) {
	mgr := kv.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	cfg, err := mgr.NewConfiguration(majority(len(addrs)), gorums.WithNodeList(addrs))
	if err != nil {
		log.Fatal(err)
	}
	return mgr, cfg
}

// A quorum call sends the request to every node of the configuration and returns the result
// of its quorum function once the replies form a quorum.
func Example() {
	servers := startServers(3)
	defer servers.stop()

	mgr := kv.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	defer mgr.Close() // before the servers stop: deferred calls run last first
	cfg, err := mgr.NewConfiguration(majority(3), gorums.WithNodeList(servers.addrs))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	w, err := cfg.Write(ctx, &kv.Value{Key: "x", Data: "hello", Version: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new:", w.GetNew())
	// Any two of three servers include one that stored the write.
	v, err := cfg.Read(ctx, &kv.ReadRequest{Key: "x"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("read:", v.GetData(), v.GetVersion())
	// Output:
	// new: true
	// read: hello 1
}

// A server is a gorums.Server with the service's implementation registered on it, serving a
// listener until it is stopped.
func Example_server() {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := gorums.NewServer()
	kv.RegisterKVServer(srv, newKVServer())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	mgr, cfg := newConfiguration([]string{lis.Addr().String()})
	w, err := cfg.Write(context.Background(), &kv.Value{Key: "x", Data: "hello", Version: 1})
	fmt.Println(w.GetNew(), err)

	mgr.Close()
	srv.Stop() // or GracefulStop, which lets running handlers finish first
	fmt.Println(<-served)
	// Output:
	// true <nil>
	// <nil>
}

// An asynchronous quorum call returns at once with a future; the requests are already on
// their way.
func ExampleAsync() {
	servers := startServers(3)
	defer servers.stop()
	mgr, cfg := newConfiguration(servers.addrs)
	defer mgr.Close()
	ctx := context.Background()
	if _, err := cfg.Write(ctx, &kv.Value{Key: "x", Data: "hello", Version: 1}); err != nil {
		log.Fatal(err)
	}

	future := cfg.ReadAsync(ctx, &kv.ReadRequest{Key: "x"})
	// ... work while the servers answer ...
	v, err := future.Get() // waits for the quorum
	fmt.Println(v.GetData(), err, future.Done())
	// Output:
	// hello <nil> true
}

// A correctable call reports a result at each level its quorum function gives, here the
// number of replies, until the quorum function says it is done.
func ExampleCorrectable() {
	servers := startServers(3)
	defer servers.stop()
	mgr, cfg := newConfiguration(servers.addrs)
	defer mgr.Close()
	ctx := context.Background()
	if _, err := cfg.Write(ctx, &kv.Value{Key: "x", Data: "hello", Version: 1}); err != nil {
		log.Fatal(err)
	}

	corr := cfg.ReadCorrectable(ctx, &kv.ReadRequest{Key: "x"})
	<-corr.Watch(2) // two replies: a majority
	v, level, err := corr.Get()
	fmt.Println(v.GetData(), level >= 2, err)
	<-corr.Done() // all three replies: ReadCorrectableQF reports done
	v, level, err = corr.Get()
	fmt.Println(v.GetData(), level, err)
	// Output:
	// hello true <nil>
	// hello 3 <nil>
}

// A multicast sends a message to every node and gets no replies. Each node handles one
// client's requests in the order they were sent, so a read that follows sees the write.
func ExampleMulticast() {
	servers := startServers(3)
	defer servers.stop()
	mgr, cfg := newConfiguration(servers.addrs)
	defer mgr.Close()
	ctx := context.Background()

	cfg.Put(ctx, &kv.Value{Key: "y", Data: "to all", Version: 1})
	v, err := cfg.Read(ctx, &kv.ReadRequest{Key: "y"})
	fmt.Println(v.GetData(), err)
	// Output:
	// to all <nil>
}

// Configurations are immutable; the set algebra builds new ones, which share the manager's
// nodes and connections.
func ExampleNodeListOption() {
	servers := startServers(5)
	defer servers.stop()
	addrs, newAddrs := servers.addrs[:3], servers.addrs[3:]
	mgr := kv.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	defer mgr.Close()

	config := func(nodes gorums.NodeListOption) *kv.Configuration {
		cfg, err := mgr.NewConfiguration(majority(3), nodes)
		if err != nil {
			log.Fatal(err)
		}
		return cfg
	}
	c1 := config(gorums.WithNodeList(addrs))
	c2 := config(gorums.WithNodeList(newAddrs))
	c3 := config(c1.WithNewNodes(gorums.WithNodeList(newAddrs)))
	c4 := config(c1.And(c2))
	c5 := config(c1.WithoutNodes(c1.NodeIDs()[0]))
	c6 := config(c3.Except(c1))
	fmt.Println(c1.Size(), c2.Size(), c3.Size(), c4.Size(), c5.Size(), c6.Size())
	fmt.Println(c3.Equal(c4), c6.Equal(c2), mgr.Size())
	// Output:
	// 3 2 5 5 2 2
	// true true 5
}

// A handler that waits for something calls Release, so that its client's next requests are
// handled meanwhile: kvServer.WaitFor waits for a write that the same client sends after it.
func ExampleServerCtx() {
	servers := startServers(3)
	defer servers.stop()
	mgr, cfg := newConfiguration(servers.addrs)
	defer mgr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	waiting := cfg.WaitFor(ctx, &kv.ReadRequest{Key: "z", MinVersion: 1}) // sent first
	if _, err := cfg.Write(ctx, &kv.Value{Key: "z", Data: "released", Version: 1}); err != nil {
		log.Fatal(err) // without Release, the write would wait behind WaitFor until ctx ends
	}
	v, err := waiting.Get()
	fmt.Println(v.GetData(), err)
	// Output:
	// released <nil>
}

// A quorum call without a quorum returns a QuorumCallError with each failed node's cause;
// errors.Is tells why it ended.
func ExampleQuorumCallError() {
	servers := startServers(3)
	defer servers.stop()
	servers.srvs[1].Stop() // two of the three servers are down
	servers.srvs[2].Stop()
	mgr, cfg := newConfiguration(servers.addrs)
	defer mgr.Close()

	_, err := cfg.Read(context.Background(), &kv.ReadRequest{Key: "x"})
	fmt.Println(errors.Is(err, gorums.ErrIncomplete)) // every node answered or failed
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	var qcErr gorums.QuorumCallError
	if errors.As(err, &qcErr) {
		fmt.Println(qcErr.ReplyCount, "reply,", len(qcErr.Errors), "errors")
		for _, ne := range qcErr.Errors {
			fmt.Println(status.Code(ne.Cause) == codes.Unavailable)
		}
	}
	// Output:
	// true
	// false
	// 1 reply, 2 errors
	// true
	// true
}
