package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
)

const help = `Commands (a node is given by its index in the list that "nodes" prints):
  write KEY VALUE          quorum call: write VALUE to KEY on a quorum of the nodes
  read KEY                 quorum call: the newest value of KEY on a quorum of the nodes
  rpc N read KEY           ordered RPC: KEY's value on node N only
  rpc N write KEY VALUE    ordered RPC: write VALUE to KEY on node N only
  mcast KEY VALUE          multicast: send the write to every node, no replies awaited
  cfg N,M,... read KEY     quorum call on the configuration of nodes N, M, ... (quorum: a majority of them)
  cfg N,M,... write KEY VALUE
  nodes                    each node: index, ID, address, state, latency and last error
  help                     this text
  quit                     leave (so does the end of the input, or Ctrl-C while no command runs)
Ctrl-C while a command waits interrupts that command. A VALUE may contain spaces.`

// errQuit is what the quit command returns.
var errQuit = errors.New("quit")

// reconnectBackoff is the client's: a restarted server is found again within a second.
var reconnectBackoff = backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second}

// client runs the interactive commands on a configuration of the storage servers and prints
// their results on its console. Its methods are called from one goroutine.
type client struct {
	con     *console
	mgr     *storage.Manager
	cfg     *storage.Configuration
	qspec   *QSpec
	timeout time.Duration // bounds each command's wait
	lastTS  int64         // the timestamp of this client's last write
}

// newClient returns a client of the servers at addrs. Its nodes connect in the background.
// opts come after the client's own manager options.
func newClient(con *console, log *zap.Logger, addrs []string, timeout time.Duration, opts ...gorums.ManagerOption) (*client, error) {
	mgr := storage.NewManager(append([]gorums.ManagerOption{
		gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())),
		gorums.WithBackoff(reconnectBackoff),
		gorums.WithLogger(log.Named("client")),
	}, opts...)...)
	qspec := newQSpec(len(addrs))
	cfg, err := mgr.NewConfiguration(qspec, gorums.WithNodeList(addrs))
	if err != nil {
		mgr.Close()
		return nil, fmt.Errorf("configuration of %s: %w", strings.Join(addrs, ", "), err)
	}
	return &client{con: con, mgr: mgr, cfg: cfg, qspec: qspec, timeout: timeout}, nil
}

// close closes the client's manager: its connections and node actors.
func (c *client) close() { c.mgr.Close() }

// slowConnect is how long waitForQuorum waits quietly before it says what it waits for.
const slowConnect = time.Second

// waitForQuorum waits until a quorum of the nodes has connected, or ctx ends. If that takes
// long, it says so, and then reports each node that connects.
func (c *client) waitForQuorum(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	nodes := c.cfg.Nodes()
	connected := make(chan error, len(nodes))
	for _, n := range nodes {
		go func() { connected <- n.WaitConnected(ctx) }()
	}
	slow := time.NewTimer(slowConnect)
	defer slow.Stop()
	up, need, waiting := 0, c.qspec.quorumSize, false
	var lastErr error
	for pending := len(nodes); pending > 0; {
		select {
		case err := <-connected:
			pending--
			if err != nil {
				lastErr = err
				continue
			}
			up++
			switch {
			case up == need:
				c.con.Printf("Connected to %d of %s; a quorum is %d. Type help for the commands.\n", up, plural(len(nodes), "server"), need)
				cancel() // the other nodes go on connecting in the background
			case waiting && up < need:
				c.con.Printf("Connected to %d of %d.\n", up, len(nodes))
			}
		case <-slow.C:
			if up < need {
				waiting = true
				c.con.Printf("Waiting for a quorum of %d of %s: %d connected so far (Ctrl-C to give up).\n", need, plural(len(nodes), "server"), up)
			}
		}
	}
	switch {
	case up >= need:
		return nil
	case errors.Is(context.Cause(ctx), errInterrupted):
		return fmt.Errorf("interrupted while waiting for a quorum: %d of %s connected", up, plural(len(nodes), "server"))
	}
	return fmt.Errorf("no quorum: %d of %s connected: %w", up, plural(len(nodes), "server"), lastErr)
}

// run runs one command line with a context that ends after the client's timeout, or with
// ctx. It prints the result and returns the command's error (errQuit for quit); an empty
// line does nothing.
func (c *client) run(ctx context.Context, line string) error {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cmd := strings.Join(f, " ")
	out, err := c.do(ctx, f)
	switch {
	case errors.Is(err, errQuit):
		return err
	case err != nil && ctx.Err() != nil && errors.Is(context.Cause(ctx), errInterrupted):
		err = errInterrupted
	}
	if err != nil {
		c.con.Printf("%s: failed: %v\n", cmd, err)
		return err
	}
	if out != "" {
		c.con.Printf("%s: %s\n", cmd, out)
	}
	return nil
}

// errInterrupted ends a command's context when Ctrl-C interrupts it.
var errInterrupted = errors.New("interrupted")

// usageError is a command that was not understood.
type usageError string

func (e usageError) Error() string { return string(e) + " (type help for the commands)" }

// do runs the command f and returns what to print after the command's echo.
func (c *client) do(ctx context.Context, f []string) (string, error) {
	switch f[0] {
	case "quit", "exit":
		return "", errQuit
	case "help":
		c.con.Printf("%s\n", help)
		return "", nil
	case "nodes":
		c.printNodes()
		return "", nil
	case "read", "write":
		return c.quorumCall(ctx, c.cfg, f)
	case "mcast":
		if len(f) < 3 {
			return "", usageError("mcast needs a key and a value")
		}
		c.cfg.WriteMulticast(ctx, c.state(f[1], f[2:]))
		return "sent to the nodes that are up (a multicast gets no replies)", nil
	case "rpc":
		if len(f) < 3 {
			return "", usageError("rpc needs a node index and an operation")
		}
		i, err := c.nodeIndex(f[1])
		if err != nil {
			return "", err
		}
		return c.rpc(ctx, c.cfg.Nodes()[i], f[2:])
	case "cfg":
		if len(f) < 3 {
			return "", usageError("cfg needs node indexes and an operation")
		}
		cfg, err := c.subConfiguration(f[1])
		if err != nil {
			return "", err
		}
		return c.quorumCall(ctx, cfg, f[2:])
	}
	return "", usageError(fmt.Sprintf("unknown command %q", f[0]))
}

// quorumCall runs `read KEY` or `write KEY VALUE` as a quorum call on cfg.
func (c *client) quorumCall(ctx context.Context, cfg *storage.Configuration, f []string) (string, error) {
	return c.readOrWrite(ctx, f, cfg.ReadQC, cfg.WriteQC)
}

// rpc runs `read KEY` or `write KEY VALUE` as an ordered RPC on node n.
func (c *client) rpc(ctx context.Context, n *storage.Node, f []string) (string, error) {
	return c.readOrWrite(ctx, f, n.Read, n.Write)
}

// readOrWrite runs `read KEY` with read or `write KEY VALUE` with write.
func (c *client) readOrWrite(ctx context.Context, f []string,
	read func(context.Context, *storage.ReadRequest) (*storage.State, error),
	write func(context.Context, *storage.State) (*storage.WriteResponse, error),
) (string, error) {
	switch {
	case f[0] == "read" && len(f) == 2:
		st, err := read(ctx, &storage.ReadRequest{Key: f[1]})
		return fmtValue(st), err
	case f[0] == "write" && len(f) >= 3:
		r, err := write(ctx, c.state(f[1], f[2:]))
		return fmtWrite(r), err
	}
	return "", usageError("the operations are read KEY and write KEY VALUE")
}

// state is a write of value to key with a timestamp newer than this client's last one.
// Timestamps are wall-clock nanoseconds, so that writes of several clients are ordered too
// (as far as their clocks agree).
func (c *client) state(key string, value []string) *storage.State {
	c.lastTS = max(time.Now().UnixNano(), c.lastTS+1)
	return &storage.State{Key: key, Value: strings.Join(value, " "), Timestamp: c.lastTS}
}

func fmtValue(st *storage.State) string {
	if st.GetTimestamp() == 0 {
		return "not found"
	}
	return strconv.Quote(st.GetValue())
}

func fmtWrite(r *storage.WriteResponse) string {
	if r.GetNew() {
		return "ok"
	}
	return "not new: a newer value is stored"
}

// nodeIndex parses a node index of the list that nodes prints.
func (c *client) nodeIndex(s string) (int, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= c.cfg.Size() {
		return 0, usageError(fmt.Sprintf("%q is not a node index: the nodes are 0 to %d", s, c.cfg.Size()-1))
	}
	return i, nil
}

// subConfiguration returns the configuration of the nodes at the comma-separated indexes,
// with a majority quorum. Configurations share the manager's nodes and connections, so
// making one costs little.
func (c *client) subConfiguration(list string) (*storage.Configuration, error) {
	nodes := c.cfg.Nodes()
	var ids []uint32
	for s := range strings.SplitSeq(list, ",") {
		i, err := c.nodeIndex(s)
		if err != nil {
			return nil, err
		}
		if slices.Contains(ids, nodes[i].ID()) {
			return nil, usageError(fmt.Sprintf("node %d is named twice", i))
		}
		ids = append(ids, nodes[i].ID())
	}
	return c.mgr.NewConfiguration(newQSpec(len(ids)), gorums.WithNodeIDs(ids))
}

// printNodes prints a table of the nodes: their index, ID, address, whether their stream is
// up, their mean latency and last transport error.
func (c *client) printNodes() {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "node\tID\taddress\tstate\tlatency\tlast error")
	up := 0
	for i, n := range c.cfg.Nodes() {
		state := "down"
		if n.Connected() {
			state = "up"
			up++
		}
		latency := "-"
		if l := n.Latency(); l > 0 {
			latency = l.Round(time.Microsecond).String()
		}
		lastErr := "-"
		if err := n.LastErr(); err != nil {
			lastErr = err.Error()
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\n", i, n.ID(), n.Address(), state, latency, lastErr)
	}
	_ = w.Flush()
	quorum := "a quorum"
	if up < c.qspec.quorumSize {
		quorum = "no quorum"
	}
	c.con.Printf("%s%d of %d up: %s (%d)\n", b.String(), up, c.cfg.Size(), quorum, c.qspec.quorumSize)
}

// plural returns "1 server" or "n servers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
