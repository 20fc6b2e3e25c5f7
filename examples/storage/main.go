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
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// flags are the program's command line.
type flags struct {
	server  string
	connect []string // nil unless -connect was given
	timeout time.Duration
	level   logLevel
}

func main() {
	fs := flag.NewFlagSet("storage", flag.ContinueOnError)
	f, err := parseFlags(fs, os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printUsage(os.Stdout, fs)
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "storage: %v\nRun storage -help for the usage.\n", err)
		os.Exit(2)
	}
	con := newConsole(os.Stdout, os.Stderr)
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)

	switch {
	case f.server != "":
		log := newLogger(zapcore.Lock(os.Stderr), f.level)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = runServer(ctx, log, f.server)
		stop()
	case f.connect != nil:
		err = runClient(con, newLogger(con, f.level), f.connect, os.Stdin, isTerminal(os.Stdin), interrupts, f.timeout)
	default:
		ctx, stop := untilInterrupt(interrupts)
		err = runDemo(ctx, con, newLogger(con, f.level), f.timeout)
		stop()
	}
	con.Flush()
	if err != nil {
		fmt.Fprintln(os.Stderr, "storage:", err)
		os.Exit(1)
	}
}

// printUsage prints the usage of the flags of fs on w.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: storage [-v | -debug | -quiet] [-timeout D] [-server ADDR | -connect a,b,c]

With neither -server nor -connect, storage starts %d servers in this process and runs a
demo session of the interactive client on them, stopping and restarting servers.

-connect reads commands from the terminal or a pipe:
%s

Logs (warnings and errors unless -v, -debug or -quiet) go to stderr, between the results.

`, clusterSize, help)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// parseFlags parses the command line args with fs, which prints nothing: the caller prints
// the error, or the usage for flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) (flags, error) {
	fs.SetOutput(io.Discard)
	var (
		f            flags
		verbose, dbg bool
		quiet        bool
	)
	fs.StringVar(&f.server, "server", "", "run one storage server on `ADDR` until SIGINT or SIGTERM")
	fs.Func("connect", "run the interactive client of the servers at `a,b,c` (host:port, comma-separated)", func(s string) error {
		addrs, err := parseAddrs(s)
		f.connect = addrs
		return err
	})
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "how long a command waits for its replies")
	fs.BoolVar(&verbose, "v", false, "also log node and stream lifecycle (zap Info level)")
	fs.BoolVar(&dbg, "debug", false, "also log each call's trace (zap Debug level)")
	fs.BoolVar(&quiet, "quiet", false, "log nothing, not even warnings")
	fs.Usage = func() {} // the flag package calls it on every error; main prints the usage for -help
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case f.server != "" && f.connect != nil:
		return f, errors.New("-server and -connect exclude each other")
	case quiet && (verbose || dbg):
		return f, errors.New("-quiet excludes -v and -debug")
	case f.timeout <= 0:
		return f, fmt.Errorf("-timeout %v: want a positive duration", f.timeout)
	}
	f.level = logWarn
	switch {
	case quiet:
		f.level = logOff
	case dbg:
		f.level = logDebug
	case verbose:
		f.level = logInfo
	}
	return f, nil
}

// parseAddrs parses the -connect list: comma-separated host:port addresses, with spaces
// around them trimmed.
func parseAddrs(list string) ([]string, error) {
	var addrs []string
	for a := range strings.SplitSeq(list, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			if strings.TrimSpace(strings.ReplaceAll(list, ",", "")) == "" {
				return nil, errors.New("no addresses (give host:port,host:port,...)")
			}
			return nil, fmt.Errorf("an empty address in %q", list)
		}
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return nil, fmt.Errorf("%q is not host:port", a)
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// isTerminal reports whether f is a terminal (a character device), where the client prompts.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runServer runs one storage server on addr until ctx ends.
func runServer(ctx context.Context, log *zap.Logger, addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return serve(ctx, os.Stdout, log.Named("server"), lis)
}
