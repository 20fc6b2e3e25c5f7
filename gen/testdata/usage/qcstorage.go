package gorumsexample

// The user guide's client and server code for the quorum-call storage service, compiled
// against the generated code to show the generated API is the one the guide uses.

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"
	"time"

	"github.com/quorumcall/gorums"
)

type storageSrv struct {
	mut   sync.Mutex
	state *State
}

var _ QCStorage = (*storageSrv)(nil)

func (srv *storageSrv) Read(ctx gorums.ServerCtx, req *ReadRequest) (resp *State, err error) {
	ctx.Release()
	srv.mut.Lock()
	defer srv.mut.Unlock()
	return srv.state, nil
}

func (srv *storageSrv) Write(_ gorums.ServerCtx, req *State) (resp *WriteResponse, err error) {
	srv.mut.Lock()
	defer srv.mut.Unlock()
	if srv.state.Timestamp < req.Timestamp {
		srv.state = req
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
	RegisterQCStorageServer(gorumsSrv, &srv)
	gorumsSrv.Serve(lis)
}

type QSpec struct {
	quorumSize int
}

func (qs *QSpec) ReadQF(_ *ReadRequest, replies map[uint32]*State) (*State, bool) {
	if len(replies) < qs.quorumSize {
		return nil, false
	}
	var newest *State
	for _, s := range replies {
		if s.GetTimestamp() >= newest.GetTimestamp() {
			newest = s
		}
	}
	return newest, true
}

func (qs *QSpec) WriteQF(_ *State, replies map[uint32]*WriteResponse) (*WriteResponse, bool) {
	if len(replies) < qs.quorumSize {
		return nil, false
	}
	for _, r := range replies {
		return r, true
	}
	return nil, true
}

func ExampleStorageClient() {
	addrs := []string{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8082"}
	mgr := NewManager(gorums.WithGrpcDialOptions())
	defer mgr.Close()
	allNodesConfig, err := mgr.NewConfiguration(&QSpec{2}, gorums.WithNodeList(addrs))
	if err != nil {
		log.Fatalln("error creating read config:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reply, err := allNodesConfig.Read(ctx, &ReadRequest{})
	cancel()
	if err != nil {
		log.Fatalln("read rpc returned error:", err)
	}
	state := &State{Value: reply.Value, Timestamp: time.Now().Unix()}
	if _, err := allNodesConfig.Write(context.Background(), state); err != nil {
		log.Fatalln(err)
	}
	for _, node := range allNodesConfig.Nodes() {
		fmt.Println(node.ID(), node.Address(), node.LastErr(), node.Latency())
	}
	fmt.Println(len(mgr.Nodes()), mgr.Size())
}

func ExampleConfigClient(mgr *Manager) {
	addrs := []string{"127.0.0.1:8080", "127.0.0.1:8081", "127.0.0.1:8082"}
	c1, _ := mgr.NewConfiguration(&QSpec{2}, gorums.WithNodeList(addrs))
	newAddrs := []string{"127.0.0.1:9080", "127.0.0.1:9081"}
	c2, _ := mgr.NewConfiguration(&QSpec{1}, gorums.WithNodeList(newAddrs))
	c3, _ := mgr.NewConfiguration(&QSpec{3}, c1.WithNewNodes(gorums.WithNodeList(newAddrs)))
	c4, _ := mgr.NewConfiguration(&QSpec{3}, c1.And(c2))
	c5, _ := mgr.NewConfiguration(&QSpec{1}, c1.WithoutNodes(c1.NodeIDs()[0]))
	c6, _ := mgr.NewConfiguration(&QSpec{1}, c3.Except(c1))
	fmt.Println(c4.Size(), c5.Equal(c6))
}
