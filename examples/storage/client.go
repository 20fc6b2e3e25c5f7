package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
)

const (
	dialTimeout    = 5 * time.Second  // NewConfiguration waits this long for every node
	sessionTimeout = 30 * time.Second // bounds the whole session's quorum calls
	readTimeout    = 5 * time.Second  // bounds each ordered RPC Read
)

// session is the example's client: it narrates its calls on out.
type session struct {
	out io.Writer
	cfg *storage.Configuration
}

func (s *session) printf(format string, args ...any) { fmt.Fprintf(s.out, format, args...) }

// runSession runs the client session against the storage servers at addrs and narrates it on
// out: quorum writes and reads, each node's state, and, if stop is not nil, the same after
// stop has stopped one of the servers. It closes its manager before it returns.
//
// The quorum calls share one context for the whole session rather than one each: a quorum
// call returns once a quorum has replied, and ending its context then would withdraw the
// request from a node whose actor has not sent it yet, so that node would miss the write.
func runSession(ctx context.Context, out io.Writer, log *zap.Logger, addrs []string, stop func(addr string) error) error {
	ctx, cancel := context.WithTimeout(ctx, sessionTimeout)
	defer cancel()
	mgr := storage.NewManager(
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithDialTimeout(dialTimeout),
		gorums.WithLogger(log.Named("client")),
	)
	defer mgr.Close()

	qspec := newQSpec(len(addrs))
	cfg, err := mgr.NewConfiguration(qspec, gorums.WithNodeList(addrs))
	if err != nil {
		return fmt.Errorf("configuration of %v: %w", addrs, err)
	}
	s := &session{out: out, cfg: cfg}
	s.printf("Configuration: %d nodes, quorum %d\n", cfg.Size(), qspec.quorumSize)
	for _, n := range cfg.Nodes() {
		s.printf("  node %10d at %s\n", n.ID(), n.Address())
	}

	s.printf("\nQuorum calls on all %d nodes:\n", cfg.Size())
	st, err := s.readQC(ctx)
	if err != nil {
		return err
	}
	ts := st.GetTimestamp()
	for _, w := range []*storage.State{
		{Value: "alpha", Timestamp: ts + 1},
		{Value: "beta", Timestamp: ts + 2},
		{Value: "stale", Timestamp: ts + 1}, // older than beta: no node takes it
	} {
		if err := s.writeQC(ctx, w); err != nil {
			return err
		}
	}
	if _, err := s.readQC(ctx); err != nil {
		return err
	}
	s.printNodeStates(ctx)

	if stop == nil {
		s.printf("\nThe servers are not ours to stop: skipping the failure step.\n")
	} else {
		nodes := cfg.Nodes()
		down := nodes[len(nodes)-1]
		s.printf("\nStopping the server of node %d at %s.\n", down.ID(), down.Address())
		if err := stop(down.Address()); err != nil {
			return err
		}
		s.printf("Quorum calls with %d of %d nodes up:\n", cfg.Size()-1, cfg.Size())
		if err := s.writeQC(ctx, &storage.State{Value: "gamma", Timestamp: ts + 3}); err != nil {
			return err
		}
		if _, err := s.readQC(ctx); err != nil {
			return err
		}
		s.printNodeStates(ctx)
	}

	if err := mgr.Close(); err != nil {
		return fmt.Errorf("close manager: %w", err)
	}
	s.printf("\nClosed the manager.\n")
	return nil
}

// readQC reads the newest state of a quorum and prints it.
func (s *session) readQC(ctx context.Context) (*storage.State, error) {
	st, err := s.cfg.ReadQC(ctx, &storage.ReadRequest{})
	if err != nil {
		return nil, fmt.Errorf("ReadQC: %w", err)
	}
	s.printf("  %-26s -> %s\n", "ReadQC()", fmtState(st))
	return st, nil
}

// writeQC writes st to a quorum and prints whether the quorum took it as new.
func (s *session) writeQC(ctx context.Context, st *storage.State) error {
	r, err := s.cfg.WriteQC(ctx, st)
	if err != nil {
		return fmt.Errorf("WriteQC(%s): %w", fmtState(st), err)
	}
	s.printf("  %-26s -> new=%t\n", "WriteQC("+fmtState(st)+")", r.GetNew())
	return nil
}

// printNodeStates reads each node's state with the ordered RPC Read. A node's requests are
// sent and handled in the order they were made, so each Read sees every write sent to that
// node before it, even those a quorum call returned without waiting for.
func (s *session) printNodeStates(ctx context.Context) {
	s.printf("Each node's state (ordered RPC Read):\n")
	for _, n := range s.cfg.Nodes() {
		callCtx, cancel := context.WithTimeout(ctx, readTimeout)
		st, err := n.Read(callCtx, &storage.ReadRequest{})
		cancel()
		if err != nil {
			s.printf("  node %10d: no reply (%v)\n", n.ID(), status.Code(err))
			continue
		}
		s.printf("  node %10d: %s\n", n.ID(), fmtState(st))
	}
}

func fmtState(st *storage.State) string {
	return fmt.Sprintf("%q, ts=%d", st.GetValue(), st.GetTimestamp())
}
