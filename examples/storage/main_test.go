package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/quorumcall/gorums"
	storage "github.com/quorumcall/gorums/examples/storage/proto"
	"github.com/quorumcall/gorums/gorumstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitLimit bounds every wait of these tests; the commands themselves take milliseconds.
const waitLimit = 20 * time.Second

// syncBuffer is a bytes.Buffer for output that the client writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor polls until cond holds for the output, and fails the test with the output if it
// does not within waitLimit.
func (b *syncBuffer) waitFor(t *testing.T, what string, cond func(out string) bool) string {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		out := b.String()
		if cond(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in the output:\n%s", what, out)
		}
		time.Sleep(5 * time.Millisecond) // polling the output; nothing to wait on
	}
}

// startServers runs n storage servers of this example in the test.
func startServers(t *testing.T, n int) *gorumstest.Cluster {
	return gorumstest.NewCluster(t, n, func(int) gorumstest.Server { return newServer(zap.NewNop()) })
}

// nodeIndex returns the index that the client gives server i's node: nodes are listed by ID.
func nodeIndex(c *gorumstest.Cluster, i int) string {
	var ids []uint32
	for j := range c.Size() {
		ids = append(ids, c.NodeID(j))
	}
	slices.Sort(ids)
	return string(rune('0' + slices.Index(ids, c.NodeID(i))))
}

// session is a client started by runClient on its own goroutine, fed through a pipe.
type session struct {
	in         *io.PipeWriter
	out        syncBuffer
	interrupts chan os.Signal
	done       chan struct{} // closed when runClient has returned err
	err        error
}

func startSession(t *testing.T, addrs []string) *session {
	t.Helper()
	r, w := io.Pipe()
	s := &session{in: w, interrupts: make(chan os.Signal, 1), done: make(chan struct{})}
	con := newConsole(&s.out, &s.out)
	go func() {
		defer close(s.done)
		s.err = runClient(con, zap.NewNop(), addrs, r, false, s.interrupts, waitLimit)
	}()
	t.Cleanup(func() {
		_ = w.Close()
		select {
		case <-s.done:
		case <-time.After(waitLimit):
			t.Errorf("the client did not end at the end of its input")
		}
	})
	return s
}

// do sends the command cmd and returns its result line ("cmd: ...", or for nodes the
// table's last line).
func (s *session) do(t *testing.T, cmd string) string {
	t.Helper()
	before := len(s.out.String())
	if _, err := io.WriteString(s.in, cmd+"\n"); err != nil {
		t.Fatalf("send %q: %v", cmd, err)
	}
	var result string
	s.out.waitFor(t, "result of "+cmd, func(out string) bool {
		for l := range strings.Lines(out[before:]) {
			if strings.HasPrefix(l, cmd+": ") || cmd == "nodes" && strings.Contains(l, " up: ") {
				result = strings.TrimSpace(l)
				return true
			}
		}
		return false
	})
	return result
}

// until sends cmd until its result is want, as a user would after a server restarted.
func (s *session) until(t *testing.T, cmd, want string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for got := s.do(t, cmd); got != want; got = s.do(t, cmd) {
		if time.Now().After(deadline) {
			t.Fatalf("%q never gave %q; last %q", cmd, want, got)
		}
	}
}

// quit sends quit and returns runClient's result.
func (s *session) quit(t *testing.T) error {
	t.Helper()
	if _, err := io.WriteString(s.in, "quit\n"); err != nil {
		t.Fatal(err)
	}
	return s.wait(t)
}

func (s *session) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-s.done:
		return s.err
	case <-time.After(waitLimit):
		t.Fatalf("the client did not end:\n%s", s.out.String())
		return nil
	}
}

// TestPipedCommands is `printf '...' | storage -connect a,b,c`: every command prints its
// result, and the end of the input ends the client without error.
func TestPipedCommands(t *testing.T) {
	c := startServers(t, 3)
	input := strings.Join([]string{
		"write k v",
		"read k",
		"",
		"  write   k2   two words  ",
		"read k2",
		"read nothing",
		"rpc 0 read k",
		"rpc 2 write k3 direct",
		"rpc 2 read k3",
		"read k3",
		"mcast k4 multi",
		"rpc 1 read k4",
		"cfg 0,2 write k5 sub",
		"cfg 0,2 read k5",
		"cfg 2 read k5",
		"nodes",
		"help",
	}, "\n") + "\n"
	var out bytes.Buffer
	con := newConsole(&out, &out)
	err := runClient(con, zap.NewNop(), c.Addrs(), strings.NewReader(input), false, nil, waitLimit)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("runClient: %v", err)
	}
	mustContain(t, out.String(),
		"Connected to ", " of 3 servers; a quorum is 2.",
		"write k v: ok\n",
		`read k: "v"`+"\n",
		`write k2 two words: ok`+"\n",
		`read k2: "two words"`+"\n",
		"read nothing: not found\n",
		`rpc 0 read k: "v"`+"\n",
		"rpc 2 write k3 direct: ok\n",
		`rpc 2 read k3: "direct"`+"\n",
		"mcast k4 multi: sent to the nodes that are up",
		// A node handles one client's requests in order, so a read sees the multicast.
		`rpc 1 read k4: "multi"`+"\n",
		"cfg 0,2 write k5 sub: ok\n",
		`cfg 0,2 read k5: "sub"`+"\n",
		`cfg 2 read k5: "sub"`+"\n",
		"3 of 3 up: a quorum (2)\n",
		"rpc N read KEY",
	)
	// read k3 reads a quorum of 2: node 2's value, if node 2 is in it, else nothing.
	if !regexp.MustCompile(`read k3: ("direct"|not found)\n`).MatchString(out.String()) {
		t.Errorf("read k3: want node 2's value or not found")
	}
	for i := range 3 {
		if !regexp.MustCompile(`(?m)^` + nodeIndex(c, i) + ` +\d+ +` + regexp.QuoteMeta(c.Addr(i)) + ` +up +`).MatchString(out.String()) {
			t.Errorf("nodes does not list server %d (%s) as up", i, c.Addr(i))
		}
	}
}

// TestBadCommands: a command that is not understood or fails says why, the client goes on,
// and the client ends with an error naming how many failed.
func TestBadCommands(t *testing.T) {
	c := startServers(t, 3)
	var out bytes.Buffer
	input := "bogus\nread\nwrite k\nrpc 7 read k\nrpc x read k\nrpc 0 delete k\ncfg 0,0 read k\ncfg 0,9 read k\nmcast k\nwrite k v\nquit\nread k\n"
	err := runClient(newConsole(&out, &out), zap.NewNop(), c.Addrs(), strings.NewReader(input), false, nil, waitLimit)
	t.Log("\n" + out.String())
	if err == nil || err.Error() != "9 commands failed" {
		t.Errorf("runClient = %v, want 9 commands failed", err)
	}
	mustContain(t, out.String(),
		`bogus: failed: unknown command "bogus" (type help for the commands)`,
		"read: failed: the operations are read KEY and write KEY VALUE",
		"write k: failed: the operations are",
		`rpc 7 read k: failed: "7" is not a node index: the nodes are 0 to 2`,
		`rpc x read k: failed: "x" is not a node index`,
		"rpc 0 delete k: failed: the operations are",
		"cfg 0,0 read k: failed: node 0 is named twice",
		`cfg 0,9 read k: failed: "9" is not a node index`,
		"mcast k: failed: mcast needs a key and a value",
		"write k v: ok",
	)
	if strings.Contains(out.String(), "\nread k:") {
		t.Error("a command after quit ran")
	}
}

// TestStopAndRestartWhileRunning stops a server under a running client and starts it again,
// empty, at its address: a quorum answers meanwhile, calls to the stopped node fail, and the
// client uses the restarted server again without being told.
func TestStopAndRestartWhileRunning(t *testing.T) {
	c := startServers(t, 3)
	s := startSession(t, c.Addrs())
	down := nodeIndex(c, 2)

	if got := s.do(t, "write k v1"); got != "write k v1: ok" {
		t.Fatalf("before the stop: %s", got)
	}
	c.Stop(2)
	if got := s.do(t, "write k v2"); got != "write k v2: ok" {
		t.Errorf("with one server stopped: %s", got)
	}
	if got := s.do(t, "read k"); got != `read k: "v2"` {
		t.Errorf("with one server stopped: %s", got)
	}
	if got := s.do(t, "rpc "+down+" read k"); !strings.Contains(got, "failed: node ") || !strings.Contains(got, "code = Unavailable") {
		t.Errorf("on the stopped server: %s", got)
	}
	s.do(t, "nodes")
	s.out.waitFor(t, "2 of 3 up", func(out string) bool { return strings.Contains(out, "2 of 3 up: a quorum (2)") })

	c.Restart(2)
	// The restarted server is empty: once the client has reconnected, it finds nothing.
	s.until(t, "rpc "+down+" read k", "rpc "+down+" read k: not found")
	if got := s.do(t, "write k v3"); got != "write k v3: ok" {
		t.Errorf("after the restart: %s", got)
	}
	// The write went to every node, the restarted one included, before this read.
	if got := s.do(t, "rpc "+down+" read k"); got != "rpc "+down+` read k: "v3"` {
		t.Errorf("after the restart: %s", got)
	}
	if err := s.quit(t); err == nil || !strings.Contains(err.Error(), "failed") {
		t.Errorf("runClient = %v, want the failed commands counted", err)
	}
}

// TestStartsWithQuorum: the client starts with a quorum of the servers up, and uses the
// last one once it comes.
func TestStartsWithQuorum(t *testing.T) {
	c := startServers(t, 3)
	c.Stop(2)
	s := startSession(t, c.Addrs())
	if got := s.do(t, "write k v"); got != "write k v: ok" {
		t.Errorf("with 2 of 3 servers: %s", got)
	}
	mustContain(t, s.out.String(), "Connected to 2 of 3 servers; a quorum is 2.")
	c.Restart(2)
	// The restarted server answers. Whether it has k depends on timing, both rightly: if the
	// client's first connection attempt to it was still going on during the write, the write
	// waited for it and was sent once the server was back (a call that returned with a
	// result still sends its queued requests); if the attempt had failed, the write missed it.
	cmd := "rpc " + nodeIndex(c, 2) + " read k"
	deadline := time.Now().Add(waitLimit)
	failed := false
	for got := s.do(t, cmd); got != cmd+": not found" && got != cmd+`: "v"`; got = s.do(t, cmd) {
		failed = true // while the client reconnects
		if time.Now().After(deadline) {
			t.Fatalf("%q never answered; last %q", cmd, got)
		}
	}
	_ = s.in.Close()
	if err := s.wait(t); failed != (err != nil) {
		t.Errorf("runClient = %v after rpc commands that failed: %v; want the failed ones counted", err, failed)
	}
}

// TestInterruptWhileWaitingForQuorum: with no quorum up, the client says what it waits for
// and Ctrl-C ends the wait.
func TestInterruptWhileWaitingForQuorum(t *testing.T) {
	c := startServers(t, 3)
	c.Stop(1)
	c.Stop(2)
	s := startSession(t, c.Addrs())
	s.out.waitFor(t, "the wait for a quorum", func(out string) bool {
		return strings.Contains(out, "Waiting for a quorum of 2 of 3 servers: 1 connected so far (Ctrl-C to give up).")
	})
	s.interrupts <- os.Interrupt
	err := s.wait(t)
	if err == nil || !strings.Contains(err.Error(), "interrupted while waiting for a quorum: 1 of 3 servers connected") {
		t.Errorf("runClient = %v", err)
	}
}

// blockingReads is a storage server whose ReadQC waits, after telling entered, until
// unblock is closed or its stream ends.
type blockingReads struct {
	*storageServer
	entered chan<- struct{}
	unblock <-chan struct{}
}

func (s blockingReads) ReadQC(ctx gorums.ServerCtx, in *storage.ReadRequest) (*storage.State, error) {
	s.entered <- struct{}{}
	select {
	case <-s.unblock:
	case <-ctx.Done():
	}
	return s.storageServer.ReadQC(ctx, in)
}

// TestInterruptCommand: Ctrl-C ends a command that waits, and the client goes on; Ctrl-C
// between commands ends the client.
func TestInterruptCommand(t *testing.T) {
	entered := make(chan struct{}, 3)
	unblock := make(chan struct{})
	c := gorumstest.NewCluster(t, 3, func(i int) gorumstest.Server {
		srv := gorums.NewServer()
		impl := newStorageServer(zap.NewNop())
		if i == 0 {
			storage.RegisterStorageServer(srv, impl)
		} else {
			storage.RegisterStorageServer(srv, blockingReads{storageServer: impl, entered: entered, unblock: unblock})
		}
		return srv
	})
	s := startSession(t, c.Addrs())
	if _, err := io.WriteString(s.in, "read k\n"); err != nil {
		t.Fatal(err)
	}
	<-entered // the read waits for a server that does not answer
	s.interrupts <- os.Interrupt
	s.out.waitFor(t, "the interrupted read", func(out string) bool {
		return strings.Contains(out, "read k: failed: interrupted\n")
	})
	close(unblock)
	if got := s.do(t, "write k v"); got != "write k v: ok" {
		t.Errorf("after the interrupt: %s", got)
	}
	// Between commands, Ctrl-C ends the client. The interrupt may reach the ending
	// command's watcher instead, as a Ctrl-C typed a moment early would; send it until the
	// client ends.
	deadline := time.Now().Add(waitLimit)
	for ended := false; !ended; {
		select {
		case s.interrupts <- os.Interrupt:
		case <-s.done:
			ended = true
			if s.err == nil || s.err.Error() != "1 command failed" {
				t.Errorf("runClient = %v, want the interrupted read counted", s.err)
			}
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("Ctrl-C between commands did not end the client")
		}
	}
	mustContain(t, s.out.String(), "\ninterrupted\n")
}

// TestDemo runs what `go run ./examples/storage` runs, with Info logs to the same output as
// the narrative, as on a terminal, and checks the narrative's facts and that no log line
// comes between a command and its result.
func TestDemo(t *testing.T) {
	var out syncBuffer
	con := newConsole(&out, &out)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	err := runDemo(ctx, con, newLogger(con, logInfo), waitLimit)
	con.Flush()
	text := out.String()
	t.Log("\n" + text)
	if err != nil {
		t.Fatalf("runDemo: %v", err)
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if cmd, ok := strings.CutPrefix(l, "> "); ok {
			next := lines[i+1]
			if !strings.HasPrefix(next, cmd+": ") && !strings.HasPrefix(next, "node  ID") {
				t.Errorf("%q is followed by %q, not by its result", l, next)
			}
		}
	}
	if !strings.Contains(text, "\tINFO\t") {
		t.Error("no log line in the output: the test shows nothing")
	}
	mustContain(t, text,
		"Started 3 storage servers in this process",
		"> write color blue\nwrite color blue: ok\n",
		"> read color\nread color: \"blue\"\n",
		"3 of 3 up: a quorum (2)",
		"The server of node 2 (",
		"> write color green\nwrite color green: ok\n",
		"> read color\nread color: \"green\"\n",
		"> rpc 2 read color\nrpc 2 read color: failed: node ",
		"2 of 3 up: a quorum (2)",
		"The server of node 1 (",
		"> read color\nread color: failed: ",
		"The server of node 2 restarts, empty",
		"> rpc 2 read color\nrpc 2 read color: not found\n",
		"> write color red\nwrite color red: ok\n",
		"> read color\nread color: \"red\"\n",
		"Closed the client and stopped the servers.\n",
	)
	if got := strings.Count(text, "3 of 3 up: a quorum (2)"); got != 2 {
		t.Errorf("%d node tables show every node up, want 2 (at the start and after the restarts)", got)
	}
}

// TestServe runs the -server mode's serve and the client on it.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var (
		wg    sync.WaitGroup
		addrs []string
		outs  [3]syncBuffer
	)
	for i := range outs {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, lis.Addr().String())
		wg.Go(func() {
			if err := serve(ctx, &outs[i], zap.NewNop(), lis); err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	var out bytes.Buffer
	err := runClient(newConsole(&out, &out), zap.NewNop(), addrs, strings.NewReader("write k v\nread k\n"), false, nil, waitLimit)
	cancel()
	wg.Wait()
	if err != nil {
		t.Fatalf("runClient: %v\n%s", err, out.String())
	}
	mustContain(t, out.String(), `read k: "v"`)
	for i, addr := range addrs {
		mustContain(t, outs[i].String(), "listening on "+addr, "Storage server on "+addr+" stopped.")
	}
}

func TestQSpec(t *testing.T) {
	qs := newQSpec(3)
	s1, s2 := &storage.State{Value: "a", Timestamp: 1}, &storage.State{Value: "b", Timestamp: 2}
	if _, ok := qs.ReadQCQF(nil, map[uint32]*storage.State{1: s2}); ok {
		t.Error("ReadQCQF: one reply of 3 is a quorum")
	}
	if got, ok := qs.ReadQCQF(nil, map[uint32]*storage.State{1: s1, 2: s2}); !ok || got != s2 {
		t.Errorf("ReadQCQF = %v, %t; want the newest state", got, ok)
	}
	yes, no := &storage.WriteResponse{New: true}, &storage.WriteResponse{New: false}
	if _, ok := qs.WriteQCQF(nil, map[uint32]*storage.WriteResponse{1: yes}); ok {
		t.Error("WriteQCQF: one reply of 3 is a quorum")
	}
	if got, ok := qs.WriteQCQF(nil, map[uint32]*storage.WriteResponse{1: yes, 2: yes}); !ok || !got.New {
		t.Errorf("WriteQCQF(new, new) = %v, %t", got, ok)
	}
	if got, ok := qs.WriteQCQF(nil, map[uint32]*storage.WriteResponse{1: yes, 2: no}); !ok || got.New {
		t.Errorf("WriteQCQF(new, old) = %v, %t", got, ok)
	}
}

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		connect []string
		level   logLevel
		err     string // a part of the error; "" for none
	}{
		{args: nil, level: logWarn},
		{args: []string{"-server", ":8080"}, level: logWarn},
		{args: []string{"-connect", " 127.0.0.1:1 , 127.0.0.1:2,127.0.0.1:3 "}, connect: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, level: logWarn},
		{args: []string{"-connect", "localhost:1", "-v"}, connect: []string{"localhost:1"}, level: logInfo},
		{args: []string{"-debug", "-v"}, level: logDebug},
		{args: []string{"-quiet"}, level: logOff},
		{args: []string{"-connect", ""}, err: "no addresses"},
		{args: []string{"-connect", " , "}, err: "no addresses"},
		{args: []string{"-connect", "127.0.0.1:1,,127.0.0.1:2"}, err: "an empty address"},
		{args: []string{"-connect", "127.0.0.1:1,nohost"}, err: `"nohost" is not host:port`},
		{args: []string{"-connect", "127.0.0.1:"}, err: "is not host:port"},
		{args: []string{"-server", ":8080", "-connect", "127.0.0.1:1"}, err: "exclude each other"},
		{args: []string{"-quiet", "-v"}, err: "-quiet excludes"},
		{args: []string{"-timeout", "0s"}, err: "positive duration"},
		{args: []string{"x"}, err: "unexpected arguments"},
	} {
		f, err := parseFlags(flag.NewFlagSet("storage", flag.ContinueOnError), tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one with %q", tc.args, err, tc.err)
		case err == nil && (!slices.Equal(f.connect, tc.connect) || f.level != tc.level):
			t.Errorf("%q: connect %q, level %d; want %q, %d", tc.args, f.connect, f.level, tc.connect, tc.level)
		}
	}
}

// TestConsoleHoldsLogLines: log lines wait for Flush, so they never split the narrative.
func TestConsoleHoldsLogLines(t *testing.T) {
	var out, logs bytes.Buffer
	con := newConsole(&out, &logs)
	log := newLogger(con, logWarn)
	log.Info("below the level")
	log.Warn("a warning")
	con.Printf("narrative\n")
	if logs.Len() != 0 {
		t.Fatalf("a log line was written before Flush: %q", logs.String())
	}
	con.Flush()
	if got := logs.String(); strings.Contains(got, "below the level") || !strings.Contains(got, "WARN\ta warning\n") {
		t.Errorf("logs = %q, want the warning alone", got)
	}
	if out.String() != "narrative\n" {
		t.Errorf("narrative = %q", out.String())
	}
	if newLogger(con, logOff).Core().Enabled(zap.ErrorLevel) {
		t.Error("-quiet logs errors")
	}
}

func mustContain(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}
