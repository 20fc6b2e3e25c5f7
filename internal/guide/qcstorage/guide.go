package gorumsexample

// The user guide's code for the QCStorage service (quorum calls), as the guide gives it, with
// our module path. Where the guide's snippets slip (ReadQF's and WriteQF's first parameter
// types, newestState's nil start, the extra parenthesis in the Release example, the undeclared
// mgr of ExampleConfigClient) this is the obviously intended code.

import (
	"context"
	"fmt"
	"log"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
)

type storageSrv struct {
	mut   sync.Mutex
	state *State
}

func (srv *storageSrv) Read(ctx gorums.ServerCtx, req *ReadRequest) (resp *State, err error) {
	// any code running before this will be executed in-order
	ctx.Release()
	// after Release() has been called, a new request handler may be started,
	// and thus it is not guaranteed that the replies will be sent back the same order.
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
	RegisterQCStorageServer(gorumsSrv, &srv)
	gorumsSrv.Serve(lis)
}

type QSpec struct {
	quorumSize int
}

// ReadQF is the quorum function for the Read RPC method.
func (qs *QSpec) ReadQF(_ *ReadRequest, replies map[uint32]*State) (*State, bool) {
	if len(replies) < qs.quorumSize {
		return nil, false
	}
	return newestState(replies), true
}

// WriteQF is the quorum function for the Write RPC method.
func (qs *QSpec) WriteQF(_ *State, replies map[uint32]*WriteResponse) (*WriteResponse, bool) {
	if len(replies) < qs.quorumSize {
		return nil, false
	}
	// return the first response we find
	var reply *WriteResponse
	for _, r := range replies {
		reply = r
		break
	}
	return reply, true
}

func newestState(replies map[uint32]*State) *State {
	newest := &State{}
	for _, s := range replies {
		if s.GetTimestamp() >= newest.GetTimestamp() {
			newest = s
		}
	}
	return newest
}

func ExampleStorageClient() {
	addrs := []string{
		"127.0.0.1:8080",
		"127.0.0.1:8081",
		"127.0.0.1:8082",
	}
	mgr := NewManager(
		gorums.WithGrpcDialOptions(
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		),
	)
	// Create a configuration including all nodes
	allNodesConfig, err := mgr.NewConfiguration(
		&QSpec{2},
		gorums.WithNodeList(addrs),
	)
	if err != nil {
		log.Fatalln("error creating read config:", err)
	}
	// Invoke read quorum call:
	ctx, cancel := context.WithCancel(context.Background())
	reply, err := allNodesConfig.Read(ctx, &ReadRequest{})
	if err != nil {
		log.Fatalln("read rpc returned error:", err)
	}
	_ = reply
	cancel()
}

func ExampleConfigClient() {
	mgr := NewManager(
		gorums.WithGrpcDialOptions(
			grpc.WithTransportCredentials(insecure.NewCredentials()),
		),
	)
	addrs := []string{
		"127.0.0.1:8080",
		"127.0.0.1:8081",
		"127.0.0.1:8082",
	}
	// Make configuration c1 from addrs, giving |c1| = |addrs| = 3
	c1, _ := mgr.NewConfiguration(
		&QSpec{2},
		gorums.WithNodeList(addrs),
	)
	newAddrs := []string{
		"127.0.0.1:9080",
		"127.0.0.1:9081",
	}
	// Make configuration c2 from newAddrs, giving |c2| = |newAddrs| = 2
	c2, _ := mgr.NewConfiguration(
		&QSpec{1},
		gorums.WithNodeList(newAddrs),
	)
	// Make new configuration c3 from c1 and newAddrs, giving |c3| = |c1| + |newAddrs| = 3+2=5
	c3, _ := mgr.NewConfiguration(
		&QSpec{3},
		c1.WithNewNodes(gorums.WithNodeList(newAddrs)),
	)
	// Make new configuration c4 from c1 and c2, giving |c4| = |c1| + |c2| = 3+2=5
	c4, _ := mgr.NewConfiguration(
		&QSpec{3},
		c1.And(c2),
	)
	// Make new configuration c5 from c1 except the first node from c1, giving |c5| = |c1| - 1 = 3-1 = 2
	c5, _ := mgr.NewConfiguration(
		&QSpec{1},
		c1.WithoutNodes(c1.NodeIDs()[0]),
	)
	// Make new configuration c6 from c3 except c1, giving |c6| = |c3| - |c1| = 5-3 = 2
	c6, _ := mgr.NewConfiguration(
		&QSpec{1},
		c3.Except(c1),
	)
	_, _, _, _ = c4, c5, c6, c2
}
