package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
	"github.com/quorumcall/gorums/quorum"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "metrics:", err)
		os.Exit(1)
	}
}

// The demo's workload, phase by phase.
const (
	nServers       = 3
	allUpRounds    = 20 // WriteQC and ReadQC each, with every server up
	allUpRPCs      = 10 // Read on node 0
	allUpMulticast = 5
	oneDownRounds  = 10 // WriteQC and ReadQC each, with server 2 stopped
	oneDownRPCs    = 3  // Read on the stopped node: they fail
	twoDownReads   = 5  // ReadQC with servers 1 and 2 stopped: no quorum
)

// servers are the demo's storage servers, on loopback ports.
type servers struct {
	addrs []string
	srvs  []*gorums.Server
	wg    sync.WaitGroup
}

func startServers(n int) (*servers, error) {
	s := &servers{}
	for range n {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			s.stopAll()
			return nil, err
		}
		srv := gorums.NewServer()
		storage.RegisterStorageServer(srv, newStorageServer())
		s.wg.Go(func() { _ = srv.Serve(lis) })
		s.addrs = append(s.addrs, lis.Addr().String())
		s.srvs = append(s.srvs, srv)
	}
	return s, nil
}

func (s *servers) stop(i int) { s.srvs[i].Stop() }

func (s *servers) stopAll() {
	for _, srv := range s.srvs {
		srv.Stop()
	}
	s.wg.Wait()
}

// run is the demo: a manager with the metrics interceptor runs a workload on three storage
// servers, two of which stop along the way, and prints what the metrics counted.
func run(ctx context.Context, out io.Writer) error {
	srvs, err := startServers(nServers)
	if err != nil {
		return err
	}
	defer srvs.stopAll()

	metrics := NewMetrics()
	mgr := storage.NewManager(
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithInterceptors(metrics.Interceptor()),
	)
	defer mgr.Close()
	cfg, err := mgr.NewConfiguration(qspec{q: quorum.Majority(nServers)}, gorums.WithNodeList(srvs.addrs))
	if err != nil {
		return err
	}
	nodes := nodesByServer(cfg, srvs.addrs)

	ts := int64(0)
	rounds := func(n int) error {
		for k := range n {
			ts++
			if _, err := cfg.WriteQC(ctx, &storage.State{Key: "k", Value: fmt.Sprint(k), Timestamp: ts}); err != nil {
				return fmt.Errorf("WriteQC: %w", err)
			}
			if _, err := cfg.ReadQC(ctx, &storage.ReadRequest{Key: "k"}); err != nil {
				return fmt.Errorf("ReadQC: %w", err)
			}
		}
		return nil
	}
	fmt.Fprintf(out, "%d servers up: %d quorum writes and reads, %d ordered reads on one node, %d multicasts.\n",
		nServers, allUpRounds, allUpRPCs, allUpMulticast)
	if err := rounds(allUpRounds); err != nil {
		return err
	}
	for range allUpRPCs {
		if _, err := nodes[0].Read(ctx, &storage.ReadRequest{Key: "k"}); err != nil {
			return fmt.Errorf("Read: %w", err)
		}
	}
	for range allUpMulticast {
		ts++
		cfg.WriteMulticast(ctx, &storage.State{Key: "m", Value: "x", Timestamp: ts})
	}

	fmt.Fprintf(out, "Server 2 stops: %d quorum writes and reads succeed with two; %d ordered reads on server 2 fail.\n",
		oneDownRounds, oneDownRPCs)
	srvs.stop(2)
	if err := rounds(oneDownRounds); err != nil {
		return err
	}
	for range oneDownRPCs {
		if _, err := nodes[2].Read(ctx, &storage.ReadRequest{Key: "k"}); err == nil {
			return errors.New("a Read on the stopped server 2 succeeded")
		}
	}

	fmt.Fprintf(out, "Server 1 stops too: %d quorum reads fail without a quorum.\n\n", twoDownReads)
	srvs.stop(1)
	for range twoDownReads {
		if _, err := cfg.ReadQC(ctx, &storage.ReadRequest{Key: "k"}); !errors.Is(err, gorums.ErrIncomplete) {
			return fmt.Errorf("ReadQC with one server of three: %v, want an incomplete call", err)
		}
	}
	return metrics.WriteTable(out)
}

// nodesByServer returns cfg's nodes in the order of the servers' addresses.
func nodesByServer(cfg *storage.Configuration, addrs []string) []*storage.Node {
	out := make([]*storage.Node, len(addrs))
	for _, n := range cfg.Nodes() {
		for i, a := range addrs {
			if n.Address() == a {
				out[i] = n
			}
		}
	}
	return out
}
