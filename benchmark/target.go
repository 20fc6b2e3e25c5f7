package benchmark

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
)

// Target is a set of benchmark servers and one client of each system connected to all of them.
// Its methods are safe for concurrent use, except Close.
type Target struct {
	addrs  []string
	quorum int
	gorums *gorumsClient
	unary  *unaryClient
	stream *streamClient
}

// Dial connects a client of every system to the benchmark servers at addrs, whose quorum
// calls return once quorum servers replied. It waits until every connection is up, at most
// ten seconds (or until ctx ends) per connection, and fails naming a server that is not reached.
// gorumsOpts are added to the Gorums client's manager options (for example
// gorums.WithNoBatching()).
func Dial(ctx context.Context, addrs []string, quorum int, gorumsOpts ...gorums.ManagerOption) (_ *Target, err error) {
	if len(addrs) == 0 {
		return nil, errors.New("no server addresses")
	}
	if quorum < 1 || quorum > len(addrs) {
		return nil, fmt.Errorf("quorum %d: want 1 to %d for %d servers", quorum, len(addrs), len(addrs))
	}
	t := &Target{addrs: addrs, quorum: quorum}
	defer func() {
		if err != nil {
			_ = t.Close()
		}
	}()
	if t.gorums, err = newGorumsClient(ctx, addrs, quorum, gorumsOpts...); err != nil {
		return nil, err
	}
	if t.unary, err = newUnaryClient(ctx, addrs, quorum); err != nil {
		return nil, err
	}
	if t.stream, err = newStreamClient(ctx, addrs, quorum); err != nil {
		return nil, err
	}
	return t, nil
}

// Addrs returns the servers' addresses.
func (t *Target) Addrs() []string { return t.addrs }

// Quorum returns the quorum size.
func (t *Target) Quorum() int { return t.quorum }

// Op returns what sys does for bench. It fails with ErrUnsupported if sys does not do bench
// (see Supports). If the returned Op has a Finish, call it after the op's last call.
func (t *Target) Op(ctx context.Context, sys System, bench Benchmark) (*Op, error) {
	switch sys {
	case Gorums:
		return t.gorums.op(ctx, bench)
	case Unary:
		return t.unary.op(ctx, bench)
	case Stream:
		return t.stream.op(ctx, bench)
	}
	return nil, fmt.Errorf("unknown system %q", sys)
}

// ServerMem returns the servers' runtime.MemStats Mallocs and TotalAlloc, summed over the
// servers. Read before and after a run, the differences are what the servers allocated
// meanwhile, for this client and any other.
func (t *Target) ServerMem(ctx context.Context) (mallocs, bytes uint64, err error) {
	s, err := t.gorums.stats(ctx)
	return s.GetMallocs(), s.GetTotalAlloc(), err
}

// Close closes every client and waits for their goroutines.
func (t *Target) Close() error {
	var errs []error
	if t.gorums != nil {
		errs = append(errs, t.gorums.close())
	}
	if t.unary != nil {
		errs = append(errs, t.unary.close())
	}
	if t.stream != nil {
		errs = append(errs, t.stream.close())
	}
	return errors.Join(errs...)
}

// dial returns a connection to addr once it is ready, or fails after dialTimeout.
func dial(ctx context.Context, addr string) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, err
	}
	timeout := dialTimeoutFor(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn.Connect()
	for s := conn.GetState(); s != connectivity.Ready; s = conn.GetState() {
		if !conn.WaitForStateChange(ctx, s) {
			_ = conn.Close()
			return nil, fmt.Errorf("%s: not reached within %v (connection %v)", addr, timeout.Round(time.Millisecond), s)
		}
	}
	return conn, nil
}

// LocalServers are benchmark servers serving on loopback in this process.
type LocalServers struct {
	addrs   []string
	servers []*Server
	served  []chan struct{}
}

// StartLocal starts n benchmark servers on 127.0.0.1, each on a port of its own.
func StartLocal(n int) (*LocalServers, error) {
	ls := &LocalServers{}
	for range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			ls.Stop()
			return nil, err
		}
		srv := NewServer()
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = srv.Serve(lis)
		}()
		ls.addrs = append(ls.addrs, lis.Addr().String())
		ls.servers = append(ls.servers, srv)
		ls.served = append(ls.served, served)
	}
	return ls, nil
}

// Addrs returns the servers' addresses.
func (ls *LocalServers) Addrs() []string { return ls.addrs }

// StopOne stops server i and waits for it.
func (ls *LocalServers) StopOne(i int) {
	ls.servers[i].Stop()
	<-ls.served[i]
}

// Stop stops every server and waits for them.
func (ls *LocalServers) Stop() {
	for i := range ls.servers {
		ls.StopOne(i)
	}
}
