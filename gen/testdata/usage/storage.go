package gorumsexample

// The user guide's ordered-RPC client and server code, compiled against the generated code.

import (
	"context"
	"log"
	"time"

	"github.com/quorumcall/gorums"
)

type storageSrv struct{ state *State }

var _ Storage = (*storageSrv)(nil)

func (srv *storageSrv) Read(_ gorums.ServerCtx, req *ReadRequest) (resp *State, err error) {
	return srv.state, nil
}

func (srv *storageSrv) Write(_ gorums.ServerCtx, req *State) (resp *WriteResponse, err error) {
	srv.state = req
	return &WriteResponse{New: true}, nil
}

func ExampleStorageClient() {
	mgr := NewManager()
	allNodesConfig, err := mgr.NewConfiguration(gorums.WithNodeList([]string{"127.0.0.1:8080"}))
	if err != nil {
		log.Fatalln("error creating read config:", err)
	}
	state := &State{Value: "42", Timestamp: time.Now().Unix()}
	for _, node := range allNodesConfig.Nodes() {
		reply, err := node.Write(context.Background(), state)
		if err != nil {
			log.Fatalln("read rpc returned error:", err)
		} else if !reply.New {
			log.Println("state was not new.")
		}
	}
	RegisterStorageServer(gorums.NewServer(), &storageSrv{})
}
