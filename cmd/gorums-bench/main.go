package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/quorumcall/gorums/benchmark"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var usage usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "gorums-bench:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "gorums-bench:", err)
		os.Exit(1)
	}
}

// usageError is a command line that does not make sense.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// run is the whole command: it serves or measures until done or until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if c.serve != "" {
		return serve(ctx, c.serve, stderr)
	}
	return measure(ctx, c, strings.Join(append([]string{"gorums-bench"}, args...), " "), stdout, stderr)
}

// serve runs a benchmark server on addr until ctx ends. Its first line on stderr says where it
// listens, which tells a port chosen by the system.
func serve(ctx context.Context, addr string, stderr io.Writer) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := benchmark.NewServer()
	fmt.Fprintf(stderr, "gorums-bench: serving on %s (Gorums and the gRPC baselines) until SIGINT or SIGTERM\n", lis.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case <-ctx.Done():
		srv.Stop()
		return <-served
	case err := <-served:
		return err
	}
}
