package benchmark

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	benchpb "github.com/quorumcall/gorums/benchmark/proto"
)

// Allocation bounds of the client side of a call, 100-byte payload, measured with the servers
// in another process so that only the client's allocations count (gRPC's client transport
// included). They sit a little above what the client allocates now (in the comments), so
// that an allocation added to the hot path fails this test, with the race detector (as CI
// runs it: more values escape) and without.
//
// Bytes are bounded too: on a small heap the garbage collector's work is what the throughput
// of many concurrent calls is most sensitive to, and a regression that adds bytes (a larger
// struct on the heap) need not add an allocation.
var clientAllocBounds = []struct {
	name          string
	servers       int
	bound, onRace float64
	bytes         float64 // bytes per call, without the race detector (its sync.Pool drops at random)
}{
	{"quorum call", 3, 32, 39, 2400}, // 29 allocations, 2160 bytes per call; 35-36 allocations under -race
	{"quorum call", 5, 49, 61, 3400}, // 45, 3160; 56-57
	{"ordered RPC", 1, 20, 22, 1400}, // 17, 1200; 19
	{"multicast", 3, 11, 13, 1400},   // 10, 920-1170; 12
}

const allocServerEnv = "GORUMS_ALLOC_TEST_SERVERS"

// TestAllocServerProcess is not a test: run by TestClientAllocations in a child process, it
// serves benchmark servers and prints their addresses, until its standard input closes.
func TestAllocServerProcess(t *testing.T) {
	n := os.Getenv(allocServerEnv)
	if n == "" {
		t.Skip("only run as TestClientAllocations' server process")
	}
	var count int
	if _, err := fmt.Sscan(n, &count); err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for range count {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer()
		go func() { _ = srv.Serve(lis) }()
		t.Cleanup(srv.Stop)
		addrs = append(addrs, lis.Addr().String())
	}
	fmt.Println("ADDRS", strings.Join(addrs, ","))
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes our stdin
}

// startAllocServers starts n servers in a child process and returns their addresses.
func startAllocServers(t *testing.T, n int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestAllocServerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", allocServerEnv, n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The child's output is read to its end, so that the child never blocks on it; the
	// reader ends when the child exits, which cleanup waits for before Wait closes the pipe.
	printed := make(chan []string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if addrs, ok := strings.CutPrefix(lines.Text(), "ADDRS "); ok {
				printed <- strings.Split(addrs, ",")
			}
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		<-drained
		_ = cmd.Wait()
	})
	select {
	case addrs := <-printed:
		return addrs
	case <-drained:
		select {
		case addrs := <-printed: // printed just before it exited
			return addrs
		default:
			t.Fatal("the server process exited without printing its addresses")
			return nil
		}
	}
}

// The client side of a quorum call, an ordered RPC and a multicast allocates no more than it
// does now.
func TestClientAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	for _, tc := range clientAllocBounds {
		t.Run(fmt.Sprintf("%s/servers=%d", tc.name, tc.servers), func(t *testing.T) {
			addrs := startAllocServers(t, tc.servers)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := newGorumsClient(ctx, addrs, tc.servers/2+1)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = c.close() })
			in := &benchpb.Echo{Payload: make([]byte, 100), Seq: 1}
			call := func() {
				var out *benchpb.Echo
				var err error
				switch tc.name {
				case "multicast":
					c.cfg.Multicast(ctx, in)
					out = in
				case "ordered RPC":
					out, err = c.cfg.Nodes()[0].RPC(ctx, in)
				default:
					out, err = c.cfg.QC(ctx, in)
				}
				if err != nil || out.GetSeq() != 1 {
					t.Fatalf("call: %v, %v", out, err)
				}
			}
			for range 100 {
				call() // warm up: connections, pools, the stream's flow-control window
			}
			bytes := bytesPerRun(500, call)
			t.Logf("%s on %d servers: %.0f bytes per call on the client", tc.name, tc.servers, bytes)
			if !raceEnabled && bytes > tc.bytes {
				t.Errorf("%s on %d servers: %.0f bytes per call on the client, more than the bound %.0f",
					tc.name, tc.servers, bytes, tc.bytes)
			}
			got := testing.AllocsPerRun(500, call)
			t.Logf("%s on %d servers: %.1f allocations per call on the client", tc.name, tc.servers, got)
			bound := tc.bound
			if raceEnabled {
				bound = tc.onRace
			}
			if got > bound {
				t.Errorf("%s on %d servers: %.1f allocations per call on the client, more than the bound %.0f",
					tc.name, tc.servers, got, bound)
			}
		})
	}
}

// bytesPerRun is testing.AllocsPerRun for bytes: the heap bytes allocated per run of f, by
// every goroutine of the process (the node actors' and gRPC's included), on one CPU as
// AllocsPerRun measures, after a warm-up run.
func bytesPerRun(runs int, f func()) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	f()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}
