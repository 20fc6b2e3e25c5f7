package leaktests

import (
	"context"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	ct "github.com/quorumcall/gorums/internal/calltypes"
)

// Async, correctable and correctable stream calls that nobody reads, with no deadline, whose
// servers never answer: closing the manager ends their collectors, and stopping the servers
// ends the handlers; goleak (TestMain) then finds nothing left.
func TestAbandonedAsyncAndCorrectableCalls(t *testing.T) {
	entered := make(chan string, 64)
	block := ct.Behavior{Before: func(ctx context.Context, method string, _ *ct.Request) error {
		entered <- method
		<-ctx.Done() // the stream's context: ends when the manager closes or the server stops
		return ctx.Err()
	}}
	var stops []func()
	nodeMap := map[string]uint32{}
	for i := range 3 {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := gorums.NewServer()
		ct.RegisterCallTypesServer(srv, ct.NewServer(uint32(i+1), block))
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); _ = srv.Serve(lis) }()
		stops = append(stops, func() { srv.Stop(); wg.Wait() })
		nodeMap[lis.Addr().String()] = uint32(i + 1)
	}
	mgr := ct.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	cfg, err := mgr.NewConfiguration(ct.QSpec{Q: 3}, gorums.WithNodeMap(nodeMap))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background() // no deadline: only Close can end these calls
	async := cfg.QuorumCallAsync(ctx, &ct.Request{Seq: 1})
	corr := cfg.Correctable(ctx, &ct.Request{Seq: 2})
	stream := cfg.CorrectableStream(ctx, &ct.Request{Seq: 3, Parts: 2})
	for range 3 { // every server is inside the first call's handler; the others queue behind it
		<-entered
	}
	if async.Done() {
		t.Fatal("the async call ended while every server was blocked")
	}
	mgr.Close()
	// Closing ends the calls, with an error; nobody had to read them for that.
	<-corr.Done()
	<-stream.Done()
	if _, err := async.Get(); err == nil {
		t.Fatal("an async call cut off by Close returned no error")
	}
	if _, _, err := corr.Get(); err == nil {
		t.Fatal("a correctable call cut off by Close returned no error")
	}
	for _, stop := range stops {
		stop()
	}
}
