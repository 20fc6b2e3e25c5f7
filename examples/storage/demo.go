package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

const (
	clusterSize      = 3
	reconnectTimeout = 10 * time.Second // the demo's wait for the client to reconnect to restarted servers
)

// demo is the in-process demo: servers in this process and the interactive client's
// commands run on them as a script.
type demo struct {
	con     *console
	servers *cluster
	client  *client
}

// runDemo starts three storage servers in this process and runs a session of the
// interactive client's commands on them, narrated on con: quorum writes and reads with every
// server up; with one server stopped, which a quorum of two survives; with two stopped, which
// no quorum survives; and with each restarted, empty, at its address, where the client
// reconnects by itself and a quorum read still finds the newest value. It returns an error if
// any step did not turn out as the narrative says.
func runDemo(ctx context.Context, con *console, log *zap.Logger, timeout time.Duration) error {
	servers, err := startCluster(clusterSize, log.Named("server"))
	if err != nil {
		return err
	}
	defer servers.stopAll()
	con.Printf("Started %s in this process: %s.\n", plural(clusterSize, "storage server"), strings.Join(servers.addrs, ", "))

	c, err := newClient(con, log, servers.addrs, timeout)
	if err != nil {
		return err
	}
	defer c.close()
	d := &demo{con: con, servers: servers, client: c}
	if err := d.waitConnected(ctx, 0, 1, 2); err != nil {
		return err
	}
	con.Printf("\nThe lines after > are commands of the interactive client; run it on your own servers with\n" +
		"go run ./examples/storage -connect ADDR1,ADDR2,ADDR3 (see -help).\n\n")
	if err := d.steps(ctx, ok("write color blue"), ok("read color"), ok("nodes")); err != nil {
		return err
	}

	d.stop(2)
	con.Printf("A quorum of 2 still answers; only calls to node 2 itself fail:\n")
	if err := d.steps(ctx, ok("write color green"), ok("read color"), fails("rpc 2 read color"), ok("nodes")); err != nil {
		return err
	}

	d.stop(1)
	con.Printf("One server of 3 is no quorum: calls fail at once, naming the nodes that are down:\n")
	if err := d.steps(ctx, fails("read color")); err != nil {
		return err
	}

	if err := d.restart(ctx, 2); err != nil {
		return err
	}
	con.Printf("Node 2 lost its values, but a quorum read takes the newest of its replies: node 0's green:\n")
	if err := d.steps(ctx, ok("read color"), ok("rpc 2 read color"), ok("write color red")); err != nil {
		return err
	}

	if err := d.restart(ctx, 1); err != nil {
		return err
	}
	con.Printf("Every quorum of 2 includes node 0 or node 2, which have red:\n")
	if err := d.steps(ctx, ok("read color"), ok("nodes")); err != nil {
		return err
	}

	c.close()
	servers.stopAll()
	con.Printf("\nClosed the client and stopped the servers.\n")
	return nil
}

// step is a command of the demo and whether it should succeed.
type step struct {
	cmd string
	ok  bool
}

func ok(cmd string) step    { return step{cmd: cmd, ok: true} }
func fails(cmd string) step { return step{cmd: cmd} }

// steps prints each command, runs it, and checks that it succeeded or failed as expected.
func (d *demo) steps(ctx context.Context, steps ...step) error {
	for _, s := range steps {
		d.con.Flush()
		d.con.Printf("> %s\n", s.cmd)
		err := d.client.run(ctx, s.cmd)
		switch {
		case s.ok && err != nil:
			return fmt.Errorf("%q failed, but the demo expected it to succeed: %w", s.cmd, err)
		case !s.ok && err == nil:
			return fmt.Errorf("%q succeeded, but the demo expected it to fail", s.cmd)
		}
	}
	return nil
}

// serverOf returns the index in the cluster of the server of the client's node i (nodes are
// listed by ID, servers by when they started).
func (d *demo) serverOf(node int) int {
	return slices.Index(d.servers.addrs, d.client.cfg.Nodes()[node].Address())
}

// stop stops the server of the client's node i and says so.
func (d *demo) stop(node int) {
	d.servers.stop(d.serverOf(node))
	d.con.Printf("\nThe server of node %d (%s) stops, as if it crashed.\n", node, d.client.cfg.Nodes()[node].Address())
}

// restart restarts the server of the client's node i, empty, at its address, and waits for
// the client to reconnect to it.
func (d *demo) restart(ctx context.Context, node int) error {
	if err := d.servers.restart(ctx, d.serverOf(node)); err != nil {
		return err
	}
	d.con.Printf("\nThe server of node %d restarts, empty, at its address; the client reconnects by itself.\n", node)
	return d.waitConnected(ctx, node)
}

// waitConnected waits until the client's nodes have connected, so that what the demo
// prints next does not depend on how fast they did.
func (d *demo) waitConnected(ctx context.Context, nodes ...int) error {
	ctx, cancel := context.WithTimeout(ctx, reconnectTimeout)
	defer cancel()
	for _, i := range nodes {
		n := d.client.cfg.Nodes()[i]
		if err := n.WaitConnected(ctx); err != nil {
			return fmt.Errorf("node %d (%s) did not connect: %w", i, n.Address(), err)
		}
	}
	return nil
}
