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

	"go.uber.org/zap"
)

const clusterSize = 3

func main() {
	var (
		serverAddr = flag.String("server", "", "run one storage server on `ADDR` until SIGINT or SIGTERM")
		connect    = flag.String("connect", "", "run the client session against the running servers at `a,b,c`")
		debug      = flag.Bool("debug", false, "log each call's trace (zap Debug level)")
		quiet      = flag.Bool("quiet", false, "turn logging off")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: storage [-debug | -quiet] [-server ADDR | -connect a,b,c]

With no -server or -connect, storage starts %d servers in this process on 127.0.0.1 and runs
a client session against them.

`, clusterSize)
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := checkFlags(*serverAddr, *connect, *debug, *quiet, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "storage:", err)
		flag.Usage()
		os.Exit(2)
	}

	log, err := newLogger(*debug, *quiet)
	if err != nil {
		fmt.Fprintln(os.Stderr, "storage: logger:", err)
		os.Exit(1)
	}
	defer func() { _ = log.Sync() }()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch {
	case *serverAddr != "":
		err = runServer(ctx, os.Stdout, log, *serverAddr)
	case *connect != "":
		err = runSession(ctx, os.Stdout, log, strings.Split(*connect, ","), nil)
	default:
		err = runLocal(ctx, os.Stdout, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "storage:", err)
		stop()
		_ = log.Sync()
		os.Exit(1)
	}
}

func checkFlags(serverAddr, connect string, debug, quiet bool, args []string) error {
	switch {
	case len(args) > 0:
		return fmt.Errorf("unexpected arguments: %q", args)
	case serverAddr != "" && connect != "":
		return errors.New("-server and -connect exclude each other")
	case debug && quiet:
		return errors.New("-debug and -quiet exclude each other")
	}
	if connect != "" {
		for a := range strings.SplitSeq(connect, ",") {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return fmt.Errorf("-connect: %w", err)
			}
		}
	}
	return nil
}

// newLogger returns zap's development console logger on stderr, at Info (Debug with debug),
// or a logger that logs nothing if quiet.
func newLogger(debug, quiet bool) (*zap.Logger, error) {
	if quiet {
		return zap.NewNop(), nil
	}
	cfg := zap.NewDevelopmentConfig()
	cfg.DisableStacktrace = true
	if !debug {
		cfg.Level = zap.NewAtomicLevelAt(zap.InfoLevel)
	}
	return cfg.Build()
}

// runLocal starts a cluster of storage servers in this process, runs the client session
// against it, and stops the servers.
func runLocal(ctx context.Context, out io.Writer, log *zap.Logger) error {
	c, err := startCluster(clusterSize, log.Named("server"))
	if err != nil {
		return err
	}
	defer c.stopAll()
	fmt.Fprintf(out, "Started %d storage servers: %s\n\n", clusterSize, strings.Join(c.addrs, ", "))
	if err := runSession(ctx, out, log, c.addrs, c.stop); err != nil {
		return err
	}
	c.stopAll()
	fmt.Fprintln(out, "Stopped the servers.")
	return nil
}

// runServer runs one storage server on addr until ctx ends.
func runServer(ctx context.Context, out io.Writer, log *zap.Logger, addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serve(ctx, out, log.Named("server"), lis)
}
