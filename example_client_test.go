package gorums_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/kv"
)

// Client interceptors run before every call of every call type: they may add outgoing
// metadata or refuse the call, and they are told its outcome. Here one counts the calls by
// method, as a metrics hook would (examples/metrics does it with latencies), and one makes a
// read-only client: it refuses writes and tags every other call with the client's name.
func ExampleWithInterceptors() {
	servers := startServers(3)
	defer servers.stop()

	var mu sync.Mutex
	calls, failed := make(map[string]int), make(map[string]int)
	count := func(ctx context.Context, call gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
		return ctx, func(out gorums.CallOutcome) { // when the call ends, refused or not
			mu.Lock()
			defer mu.Unlock()
			calls[call.Method]++
			if out.Err != nil {
				failed[call.Method]++
			}
		}, nil
	}
	readOnly := func(ctx context.Context, call gorums.CallInfo) (context.Context, func(gorums.CallOutcome), error) {
		if call.Method == "kv.KV.Write" || call.Method == "kv.KV.Put" {
			return nil, nil, status.Error(codes.PermissionDenied, "read-only client") // nothing is sent
		}
		return metadata.AppendToOutgoingContext(ctx, "client", "reader-1"), nil, nil
	}
	mgr := kv.NewManager(
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithInterceptors(count, readOnly), // in this order; outcomes in reverse
	)
	defer mgr.Close()
	cfg, err := mgr.NewConfiguration(majority(3), gorums.WithNodeList(servers.addrs))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = cfg.Write(ctx, &kv.Value{Key: "x", Data: "hello", Version: 1})
	fmt.Println("write:", status.Code(err), status.Convert(err).Message())
	for range 2 {
		v, err := cfg.Read(ctx, &kv.ReadRequest{Key: "x"})
		fmt.Printf("read: %q %v\n", v.GetData(), err)
	}
	mu.Lock()
	defer mu.Unlock()
	methods := make([]string, 0, len(calls))
	for m := range calls {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	for _, m := range methods {
		fmt.Printf("%s: %d calls, %d failed\n", m, calls[m], failed[m])
	}
	// Output:
	// write: PermissionDenied read-only client
	// read: "" <nil>
	// read: "" <nil>
	// kv.KV.Read: 2 calls, 0 failed
	// kv.KV.Write: 1 calls, 1 failed
}

// A configuration without the nodes that failed in a quorum call: WithoutErrors reads them
// from the call's QuorumCallError (here only those that failed with Unavailable), so the
// protocol goes on with the nodes that answer.
func ExampleRawConfiguration_WithoutErrors() {
	servers := startServers(3)
	defer servers.stop()
	servers.srvs[2].Stop() // one server is down
	mgr := kv.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	defer mgr.Close()
	all, err := mgr.NewConfiguration(&qspec{n: 3, q: 3}, gorums.WithNodeList(servers.addrs)) // every node must answer
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	_, err = all.Write(ctx, &kv.Value{Key: "x", Data: "hello", Version: 1})
	fmt.Println("all three:", status.Code(err.(gorums.QuorumCallError).Errors[0].Cause))
	live, err := mgr.NewConfiguration(&qspec{n: 2, q: 2}, all.WithoutErrors(err, codes.Unavailable))
	if err != nil {
		log.Fatal(err)
	}
	_, err = live.Write(ctx, &kv.Value{Key: "x", Data: "hello", Version: 1})
	fmt.Println("the", live.Size(), "that answer:", err)
	// Output:
	// all three: Unavailable
	// the 2 that answer: <nil>
}

// Nodes measure their latency (a moving average of their replies'); SortedByLatency orders a
// configuration's nodes by it and Fastest(k) makes a node list of the k fastest, so that a
// protocol can send to its fastest quorum.
func ExampleRawConfiguration_Fastest() {
	servers := startServers(5)
	defer servers.stop()
	mgr, all := newConfiguration(servers.addrs)
	defer mgr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// This call waits for every node, so that each has a latency when the example prints.
	every := all.ReadCorrectable(ctx, &kv.ReadRequest{Key: "x"})
	<-every.Done()
	if _, _, err := every.Get(); err != nil {
		log.Fatal(err)
	}
	for _, n := range all.Nodes() {
		if n.Latency() == 0 {
			log.Fatalf("%v has no latency", n)
		}
	}

	sorted := all.SortedByLatency()
	fmt.Println(len(sorted), sorted[0].Latency() <= sorted[len(sorted)-1].Latency())
	fastest, err := mgr.NewConfiguration(majority(3), all.Fastest(3)) // a majority of the five
	if err != nil {
		log.Fatal(err)
	}
	_, err = fastest.Write(ctx, &kv.Value{Key: "x", Data: "fast", Version: 1})
	fmt.Println(fastest.Size(), err)
	// Output:
	// 5 true
	// 3 <nil>
}
