package faults

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// helperEnv, when set in the environment of the test binary, makes TestMain serve the test
// service on the address it holds instead of running tests: that is how TestAcrossNamespaces
// runs a server inside a network namespace (netns_linux_test.go: ip netns exec NAME <test binary>).
const helperEnv = "GORUMS_FAULTS_HELPER_ADDR"

// helperPort is the port the namespace servers listen on.
const helperPort = 7700

// runHelperServer serves echo handlers on $GORUMS_FAULTS_HELPER_ADDR until its stdin closes
// (or it is killed).
func runHelperServer() int {
	lis, err := net.Listen("tcp", os.Getenv(helperEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	srv := gorums.NewServer(gorums.WithGRPCServerOptions(grpc.KeepaliveEnforcementPolicy(
		keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true})))
	ts.RegisterTestServiceServer(srv, ts.Handlers{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		srv.Stop()
	}()
	fmt.Println("serving on", lis.Addr())
	if err := srv.Serve(lis); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}
