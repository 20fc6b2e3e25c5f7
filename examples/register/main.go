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
	"github.com/quorumcall/gorums/examples/register/abd"
	"github.com/quorumcall/gorums/examples/register/proto"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "register:", err)
		os.Exit(1)
	}
}

const (
	nReplicas = 3
	nClients  = 3
)

// replica is one in-process replica and its server.
type replica struct {
	addr  string
	state *abd.Replica
	srv   *gorums.Server
	done  chan error // Serve's result
	down  bool
}

// stop stops the replica's server (again, if it crashed) and returns Serve's result.
func (r *replica) stop() error {
	r.srv.Stop()
	if r.done == nil {
		return nil
	}
	err := <-r.done
	r.done = nil
	return err
}

// run is the demo: it writes its story to out and returns once every server and manager it
// started is stopped.
func run(ctx context.Context, out io.Writer) (err error) {
	var mu sync.Mutex // serializes output from concurrent clients
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
	}

	replicas := make([]*replica, 0, nReplicas)
	defer func() {
		for _, r := range replicas {
			err = errors.Join(err, r.stop())
		}
	}()
	addrs := make([]string, 0, nReplicas)
	for range nReplicas {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		r := &replica{addr: lis.Addr().String(), state: abd.NewReplica(), srv: gorums.NewServer(), done: make(chan error, 1)}
		proto.RegisterRegisterServer(r.srv, r.state)
		go func() { r.done <- r.srv.Serve(lis) }()
		replicas = append(replicas, r)
		addrs = append(addrs, r.addr)
	}
	say("Started %d replicas: %v; a quorum is a majority, %d of them.", nReplicas, addrs, abd.NewMajorityQSpec(nReplicas).Quorum)

	// Each client has a manager (its connections) and a configuration of all replicas.
	clients := make([]*abd.Client, nClients)
	for i := range clients {
		mgr := proto.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
		defer mgr.Close()
		cfg, err := mgr.NewConfiguration(abd.NewMajorityQSpec(nReplicas), gorums.WithNodeList(addrs))
		if err != nil {
			return err
		}
		clients[i] = abd.NewClient(cfg, uint32(i+1))
	}
	showReplicas := func() {
		for i, r := range replicas {
			v := r.state.Value()
			status := "up"
			if r.down {
				status = "crashed"
			}
			say("  replica %d (%s, %s): %q with tag (%d, %d)", i, r.addr, status, v.GetValue(), v.GetTimestamp(), v.GetWriter())
		}
	}

	write := func(c *abd.Client, value string) error {
		if err := c.Write(ctx, value); err != nil {
			return fmt.Errorf("client %d: write %q: %w", c.ID(), value, err)
		}
		say("client %d wrote %q", c.ID(), value)
		return nil
	}
	read := func(c *abd.Client) (string, error) {
		v, err := c.Read(ctx)
		if err != nil {
			return "", fmt.Errorf("client %d: read: %w", c.ID(), err)
		}
		say("client %d read %q", c.ID(), v)
		return v, nil
	}
	// round runs two writes and two reads on every client, all clients at once.
	round := func(name string) error {
		say("\n%s: every client writes twice and reads twice, all at once:", name)
		errs := make([]error, len(clients))
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				for k := range 2 {
					if errs[i] = write(c, fmt.Sprintf("%s/c%d-%d", name, c.ID(), k)); errs[i] != nil {
						return
					}
					if _, errs[i] = read(c); errs[i] != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}

	say("\nClient 1 writes, then clients 2 and 3 read:")
	if err := write(clients[0], "hello"); err != nil {
		return err
	}
	for _, c := range clients[1:] {
		if _, err := read(c); err != nil {
			return err
		}
	}
	if err := round("round1"); err != nil {
		return err
	}
	say("\nReplica states:")
	showReplicas()

	crashed := replicas[nReplicas-1]
	say("\nReplica %d (%s) crashes. It stays down: with its state lost, coming back empty it would be a new replica, not one of the majority that acknowledged the writes.", nReplicas-1, crashed.addr)
	crashed.down = true
	if err := crashed.stop(); err != nil {
		return err
	}
	if err := round("round2"); err != nil {
		return err
	}

	say("\nAfter the crash, client 3 writes and every client reads it:")
	if err := write(clients[2], "after the crash"); err != nil {
		return err
	}
	for _, c := range clients {
		v, err := read(c)
		if err != nil {
			return err
		}
		if v != "after the crash" {
			return fmt.Errorf("client %d read %q after the last write, want %q", c.ID(), v, "after the crash")
		}
	}
	say("\nReplica states (the crashed one kept what it had when it went down):")
	showReplicas()
	say("\nEvery operation succeeded with %d of %d replicas up.", nReplicas-1, nReplicas)
	return nil
}
