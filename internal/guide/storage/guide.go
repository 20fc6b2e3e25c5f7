package gorumsexample

// The user guide's code for the Storage service (ordered RPCs), as the guide gives it, with our
// module path. The guide's tests run the same flows against loopback servers.

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
)

type storageSrv struct {
	mut   sync.Mutex
	state *State
}

func (srv *storageSrv) Read(_ gorums.ServerCtx, req *ReadRequest) (resp *State, err error) {
	srv.mut.Lock()
	defer srv.mut.Unlock()
	fmt.Println("Got Read()")
	return srv.state, nil
}

func (srv *storageSrv) Write(_ gorums.ServerCtx, req *State) (resp *WriteResponse, err error) {
	srv.mut.Lock()
	defer srv.mut.Unlock()
	if srv.state.Timestamp < req.Timestamp {
		srv.state = req
		fmt.Println("Got Write(", req.Value, ")")
		return &WriteResponse{New: true}, nil
	}
	return &WriteResponse{New: false}, nil
}

func ExampleStorageServer(port int) {
	lis, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
	if err != nil {
		log.Fatal(err)
	}
	gorumsSrv := gorums.NewServer()
	srv := storageSrv{state: &State{}}
	RegisterStorageServer(gorumsSrv, &srv)
	gorumsSrv.Serve(lis)
}

func ExampleStorageClient() {
	mgr := NewManager(
		gorums.WithGrpcDialOptions(
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		),
	)
	// Get all all available node ids, 3 nodes
	addrs := []string{
		"127.0.0.1:8080",
		"127.0.0.1:8081",
		"127.0.0.1:8082",
	}
	// Create a configuration including all nodes
	allNodesConfig, err := mgr.NewConfiguration(gorums.WithNodeList(addrs))
	if err != nil {
		log.Fatalln("error creating read config:", err)
	}
	// Test state
	state := &State{
		Value:     "42",
		Timestamp: time.Now().Unix(),
	}
	// Invoke Write RPC on all nodes in config
	for _, node := range allNodesConfig.Nodes() {
		reply, err := node.Write(context.Background(), state)
		if err != nil {
			log.Fatalln("read rpc returned error:", err)
		} else if !reply.New {
			log.Println("state was not new.")
		}
	}
}
