package gorums_test

import (
	"context"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// Two server interceptors: one counts the requests of each method and how they ended, the
// other refuses requests whose metadata carries no token, before the handler runs. They run
// around every method of every call type; the first one given is the outermost.
func ExampleWithServerInterceptors() {
	var (
		mu       sync.Mutex
		outcomes = map[string]int{}
	)
	count := func(ctx gorums.ServerCtx, info gorums.ServerCallInfo, req proto.Message, send gorums.ServerSendFunc, next gorums.ServerNext) error {
		err := next(ctx, req, send)
		mu.Lock()
		outcomes[fmt.Sprintf("%s %v", info.Method, status.Code(err))]++
		mu.Unlock()
		return err
	}
	auth := func(ctx gorums.ServerCtx, _ gorums.ServerCallInfo, req proto.Message, send gorums.ServerSendFunc, next gorums.ServerNext) error {
		md, _ := metadata.FromIncomingContext(ctx) // the stream's and this request's metadata
		if len(md.Get("token")) == 0 {
			return status.Error(codes.PermissionDenied, "no token")
		}
		return next(ctx, req, send)
	}
	srv := gorums.NewServer(gorums.WithServerInterceptors(count, auth))
	ts.RegisterTestServiceServer(srv, ts.Handlers{}) // echoes every request
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() { srv.Stop(); <-served }()

	mgr := ts.NewManager(ts.Insecure())
	defer mgr.Close()
	cfg, err := mgr.NewConfiguration(&ts.QSpec{Q: 1}, gorums.WithNodeList([]string{lis.Addr().String()}))
	if err != nil {
		fmt.Println(err)
		return
	}
	node := cfg.Nodes()[0]

	ctx := context.Background()
	_, err = node.Ordered(ctx, &ts.Request{Value: "without a token"})
	fmt.Println(status.Code(err))
	withToken := metadata.AppendToOutgoingContext(ctx, "token", "t0k3n")
	reply, err := node.Ordered(withToken, &ts.Request{Value: "with a token"})
	fmt.Println(reply.GetValue(), err)
	// The client has its reply before the counting interceptor has counted it. A request on
	// the same stream is handled only once the one before it is done, interceptors included:
	// after its reply, the count is complete.
	if _, err := cfg.Quorum(withToken, &ts.Request{Value: "after"}); err != nil {
		fmt.Println(err)
	}

	mu.Lock()
	defer mu.Unlock()
	delete(outcomes, "gorums.testservice.TestService.Quorum OK")
	fmt.Println(outcomes)
	// Output:
	// PermissionDenied
	// with a token <nil>
	// map[gorums.testservice.TestService.Ordered OK:1 gorums.testservice.TestService.Ordered PermissionDenied:1]
}
