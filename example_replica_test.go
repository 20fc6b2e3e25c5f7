package gorums_test

import (
	"context"
	"fmt"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/internal/kv"
)

// Replicas serve a service and call each other: each has a configuration of every replica,
// itself included, whose node for itself reaches its own server in memory. Here three KV
// replicas start, and replica 1 writes through its configuration; examples/paxos has
// handlers that make such calls.
func ExampleNewReplica() {
	// Every replica is made with the same members: ID to the address the others reach it at.
	members := make(map[uint32]string)
	listeners := make(map[uint32]net.Listener)
	for id := uint32(1); id <= 3; id++ {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		members[id], listeners[id] = lis.Addr().String(), lis
	}
	replicas := make(map[uint32]*gorums.Replica)
	served := make(chan error, len(members))
	for id, lis := range listeners {
		r, err := gorums.NewReplica(id, members, gorums.WithReplicaManagerOptions(
			gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))))
		if err != nil {
			log.Fatal(err)
		}
		kv.RegisterKVServer(r.Server(), newKVServer()) // handlers could keep a configuration of r
		go func() { served <- r.Serve(lis) }()         // or r.Start(), which listens on members[id]
		replicas[id] = r
	}

	r1 := replicas[1]
	cfg := kv.ConfigurationFromRaw(r1.Configuration(), majority(3))
	w, err := cfg.Write(context.Background(), &kv.Value{Key: "x", Data: "hello", Version: 1})
	fmt.Println(cfg.NodeIDs(), w.GetNew(), err)
	fmt.Println(r1.Self().ID(), r1.Peers().NodeIDs())

	for _, r := range replicas {
		r.Stop() // closes its manager, then stops its server
	}
	for range replicas {
		if err := <-served; err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// [1 2 3] true <nil>
	// 1 [2 3]
}
