package faults

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
)

// netns manages the namespaces, veth pairs and helper processes of one test.
type netns struct {
	t      *testing.T
	prefix string
}

// ip runs `ip args...` and returns its combined output and error.
func ip(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

func (n *netns) must(args ...string) {
	n.t.Helper()
	if _, err := ip(args...); err != nil {
		n.t.Fatal(err)
	}
}

// names of namespace i and of its veth ends (interface names stay under 16 bytes).
func (n *netns) ns(i int) string   { return fmt.Sprintf("%s-ns%d", n.prefix, i) }
func (n *netns) host(i int) string { return fmt.Sprintf("%sh%d", n.prefix, i) }
func (n *netns) peer(i int) string { return fmt.Sprintf("%sp%d", n.prefix, i) }

// Each namespace i gets the /30 192.168.77.4i/30: the root namespace's end is .4i+1 and the
// namespace's .4i+2. Only these addresses, in namespaces the test made, carry traffic.
func hostAddr(i int) string { return fmt.Sprintf("192.168.77.%d", 4*i+1) }
func nsAddr(i int) string   { return fmt.Sprintf("192.168.77.%d", 4*i+2) }

// create makes namespace i with its veth pair and addresses; everything is removed at cleanup.
func (n *netns) create(i int) {
	n.t.Helper()
	ns, h, p := n.ns(i), n.host(i), n.peer(i)
	n.must("netns", "add", ns)
	n.t.Cleanup(func() {
		if _, err := ip("netns", "del", ns); err != nil {
			n.t.Errorf("cleanup: %v", err)
		}
	})
	n.must("link", "add", h, "type", "veth", "peer", "name", p)
	n.t.Cleanup(func() {
		// Deleting the namespace removes the pair too; this covers a pair whose peer never
		// moved into it.
		if _, err := ip("link", "show", h); err == nil {
			_, _ = ip("link", "del", h)
		}
	})
	n.must("link", "set", p, "netns", ns)
	n.must("addr", "add", hostAddr(i)+"/30", "dev", h)
	n.must("link", "set", h, "up")
	n.must("netns", "exec", ns, "ip", "addr", "add", nsAddr(i)+"/30", "dev", p)
	n.must("netns", "exec", ns, "ip", "link", "set", p, "up")
	n.must("netns", "exec", ns, "ip", "link", "set", "lo", "up")
}

// lockedBuffer is a bytes.Buffer safe for the child's output copier and the test to share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// serve re-executes the test binary inside namespace i as a server on nsAddr(i); the child
// is killed and reaped at cleanup.
func (n *netns) serve(i int) string {
	n.t.Helper()
	addr := net.JoinHostPort(nsAddr(i), fmt.Sprint(helperPort))
	cmd := exec.Command("ip", "netns", "exec", n.ns(i), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+addr)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		n.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start server in %s: %v", n.ns(i), err)
	}
	n.t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if n.t.Failed() {
			n.t.Logf("server in %s said: %s", n.ns(i), out.String())
		}
	})
	return addr
}

// TestAcrossNamespaces runs three servers, each in a network namespace of its own reached
// over a veth pair, and a client in the test's namespace. One namespace's link is cut while
// quorum calls (2 of 3) go on; once healed, its node reconnects and calls needing all three
// succeed again. It needs root and iproute2, and skips where namespaces cannot be made.
func TestAcrossNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("skipping: no ip command (iproute2): %v", err)
	}
	// Other test processes on this machine (another `go test ./...`) may run this test at the
	// same time: one at a time uses the subnet.
	lock, err := os.OpenFile(os.TempDir()+"/gorums-faults-netns.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Skipf("skipping: lock file: %v", err)
	}
	t.Cleanup(func() { _ = lock.Close() }) // closing releases the lock
	if err := ts.Poll(2*time.Minute, func() bool {
		return syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
	}); err != nil {
		t.Skipf("skipping: another process holds %s: %v", lock.Name(), err)
	}
	if out, err := ip("-o", "addr", "show", "to", "192.168.77.0/24"); err != nil || strings.TrimSpace(out) != "" {
		t.Skipf("skipping: 192.168.77.0/24 is in use on this machine or ip fails: %v %s", err, out)
	}
	n := &netns{t: t, prefix: fmt.Sprintf("gf%d", os.Getpid()%100000)}
	probe := n.prefix + "-probe"
	if _, err := ip("netns", "add", probe); err != nil {
		t.Skipf("skipping: cannot make network namespaces here: %v", err)
	}
	if _, err := ip("netns", "del", probe); err != nil {
		t.Fatalf("remove probe namespace: %v", err)
	}

	const nodes = 3
	addrs := make([]string, nodes)
	for i := range nodes {
		n.create(i)
		addrs[i] = n.serve(i)
	}

	// Keepalive also sets TCP_USER_TIMEOUT (to Timeout), so a connection whose link is cut
	// fails once data sent on it stays unacknowledged for a second.
	mgr := newManager(t, gorums.WithGrpcDialOptions(grpc.WithKeepaliveParams(
		keepalive.ClientParameters{Time: 10 * time.Second, Timeout: time.Second})))
	cfg2 := ts.NewConfig(t, mgr, 2, addrs)
	cfg3 := ts.NewConfig(t, mgr, 3, addrs)

	seq := uint64(0)
	call := func(cfg *ts.Configuration) error {
		seq++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := cfg.Quorum(ctx, &ts.Request{Seq: seq})
		if err == nil && resp.GetSeq() != seq {
			return fmt.Errorf("reply for seq %d, want %d", resp.GetSeq(), seq)
		}
		return err
	}
	var last error
	if err := ts.Poll(30*time.Second, func() bool { last = call(cfg3); return last == nil }); err != nil {
		t.Fatalf("servers in namespaces never answered a call needing all 3: %v", last)
	}
	for range 20 {
		if err := call(cfg3); err != nil {
			t.Fatalf("all links up: %v", err)
		}
	}

	cut := nodeByAddr(t, cfg2, addrs[0])
	before := cut.LastErr()
	n.must("link", "set", n.host(0), "down")
	healed := false
	heal := func() {
		if !healed {
			healed = true
			n.must("link", "set", n.host(0), "up")
		}
	}
	t.Cleanup(heal)

	// Calls go on with the other two while the cut node's connection times out.
	calls := 0
	if err := ts.Poll(30*time.Second, func() bool {
		if err := call(cfg2); err != nil {
			t.Fatalf("call %d with %s cut off: %v", calls, addrs[0], err)
		}
		calls++
		e := cut.LastErr()
		return e != nil && e != before
	}); err != nil {
		t.Fatalf("the cut node's connection never failed (%d calls made): LastErr %v", calls, cut.LastErr())
	}
	t.Logf("%d quorum calls succeeded while %s was cut off; its LastErr: %v", calls, addrs[0], cut.LastErr())
	for range 10 {
		if err := call(cfg2); err != nil {
			t.Fatalf("with %s cut off and known down: %v", addrs[0], err)
		}
	}

	heal()
	if err := ts.Poll(30*time.Second, func() bool { last = call(cfg3); return last == nil }); err != nil {
		t.Fatalf("after healing the link, a call needing all 3 still fails: %v", last)
	}
	for range 20 {
		if err := call(cfg3); err != nil {
			t.Fatalf("after healing: %v", err)
		}
	}
}
