package faults

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/quorumcall/gorums"
	ts "github.com/quorumcall/gorums/internal/testservice"
	"github.com/quorumcall/gorums/manager"
	"github.com/quorumcall/gorums/server"
)

// frameSniffer reads the HTTP/2 frames one side writes on its connections: the receive window
// it announces in its SETTINGS, and the PING frames it starts (not the acknowledgements of the
// other side's). Each connection is parsed on its own; the counts are over all of them.
type frameSniffer struct {
	mu     sync.Mutex
	window int64 // SETTINGS_INITIAL_WINDOW_SIZE last announced, -1 until then
	pings  int
}

func newFrameSniffer() *frameSniffer { return &frameSniffer{window: -1} }

// dial is a gRPC context dialer whose connections show what they write to s.
func (s *frameSniffer) dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &sniffedConn{Conn: c, s: s}, nil
}

// listen returns a loopback listener whose accepted connections show what the server writes
// on them to s.
func (s *frameSniffer) listen(t *testing.T) net.Listener {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return sniffingListener{Listener: lis, s: s}
}

type sniffingListener struct {
	net.Listener
	s *frameSniffer
}

func (l sniffingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sniffedConn{Conn: c, s: l.s, framed: true}, nil // a server sends no preface
}

// sniffedConn is one connection: what it wrote that does not make a whole frame yet. gRPC
// writes on a connection from one goroutine at a time, so buf needs no lock of its own.
type sniffedConn struct {
	net.Conn
	s      *frameSniffer
	buf    []byte
	framed bool // the client's connection preface has been passed, or this is a server's
}

const (
	framePing     = 0x6
	frameSettings = 0x4
	flagAck       = 0x1
	settingWindow = 0x4
	http2Preface  = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
)

// Write reads every frame that b completes, then writes b.
func (c *sniffedConn) Write(b []byte) (int, error) {
	c.buf = append(c.buf, b...)
	if !c.framed && len(c.buf) >= len(http2Preface) {
		c.buf, c.framed = c.buf[len(http2Preface):], true
	}
	for c.framed && len(c.buf) >= 9 {
		n := int(c.buf[0])<<16 | int(c.buf[1])<<8 | int(c.buf[2])
		if len(c.buf) < 9+n {
			break
		}
		c.s.frame(c.buf[3], c.buf[4], c.buf[9:9+n])
		c.buf = c.buf[9+n:]
	}
	return c.Conn.Write(b)
}

// frame counts one frame the sniffed side wrote.
func (s *frameSniffer) frame(typ, flags byte, payload []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case typ == framePing && flags&flagAck == 0:
		s.pings++
	case typ == frameSettings && flags&flagAck == 0:
		for p := payload; len(p) >= 6; p = p[6:] {
			if binary.BigEndian.Uint16(p) == settingWindow {
				s.window = int64(binary.BigEndian.Uint32(p[2:]))
			}
		}
	}
}

func (s *frameSniffer) seen() (window int64, pings int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.window, s.pings
}

// windowCase is one case of the receive-window tests: what the sniffed side (client or
// server) should announce, and whether it should start pings.
type windowCase struct {
	wantWindow int64 // -1: not announced (gRPC's default, 64 KiB)
	wantPings  bool
}

// checkWindow makes calls one at a time on node and checks what the sniffed side wrote
// meanwhile: the window it announced and the pings it started. gRPC starts a probe when data
// comes and none is out, so a dynamic window shows a ping soon.
func checkWindow(t *testing.T, side string, sniffer *frameSniffer, node *ts.Node, tc windowCase) {
	t.Helper()
	const calls = 20
	ctx := ts.Ctx(t, 30*time.Second)
	value := strings.Repeat("v", 1000)
	for i := range calls {
		if err := orderedEcho(ctx, node, uint64(i), value); err != nil {
			t.Fatal(err)
		}
	}
	if tc.wantPings {
		if err := ts.Poll(20*time.Second, func() bool { _, p := sniffer.seen(); return p > 0 }); err != nil {
			t.Fatalf("no ping from the %s after %d calls with a dynamic window", side, calls)
		}
	}
	window, pings := sniffer.seen()
	if window != tc.wantWindow {
		t.Errorf("the %s announced receive window %d, want %d", side, window, tc.wantWindow)
	}
	if !tc.wantPings && pings != 0 {
		t.Errorf("%d pings from the %s in %d calls with a static window, want none", pings, side, calls)
	}
}

func echoServer() ts.Handlers {
	return ts.Both(func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) { return ts.Echo(req), nil })
}

// A client announces a static receive window, DefaultReceiveWindow unless told otherwise, and
// then starts no pings of its own: gRPC probes the link with a ping per round trip only while
// its window is dynamic, which WithReceiveWindow(0) gives back. A window set through
// WithGrpcDialOptions wins over Gorums' own.
func TestClientReceiveWindow(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []gorums.ManagerOption
		windowCase
	}{
		{"default", nil, windowCase{wantWindow: manager.DefaultReceiveWindow}},
		{"set", []gorums.ManagerOption{gorums.WithReceiveWindow(1 << 20)}, windowCase{wantWindow: 1 << 20}},
		{"dynamic", []gorums.ManagerOption{gorums.WithReceiveWindow(0)}, windowCase{wantWindow: -1, wantPings: true}},
		{
			"gRPC option wins",
			[]gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithInitialWindowSize(256 << 10))},
			windowCase{wantWindow: 256 << 10},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := ts.Start(t, echoServer())
			sniffer := newFrameSniffer()
			opts := append([]gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithContextDialer(sniffer.dial))}, tc.opts...)
			cfg := ts.NewConfig(t, ts.NewTestManager(t, opts...), 1, []string{srv.Addr})
			checkWindow(t, "client", sniffer, cfg.Nodes()[0], tc.windowCase)
		})
	}
}

// A server announces a static receive window for its clients' requests, DefaultReceiveWindow
// unless told otherwise, and then starts no pings of its own; WithReceiveWindow(0) gives gRPC's
// dynamic window back, with its probing pings, and a window set through WithGRPCServerOptions
// wins over Gorums' own.
func TestServerReceiveWindow(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []gorums.ServerOption
		windowCase
	}{
		{"default", nil, windowCase{wantWindow: server.DefaultReceiveWindow}},
		{"set", []gorums.ServerOption{gorums.WithReceiveWindow(1 << 20)}, windowCase{wantWindow: 1 << 20}},
		{"dynamic", []gorums.ServerOption{gorums.WithReceiveWindow(0)}, windowCase{wantWindow: -1, wantPings: true}},
		{
			"gRPC option wins",
			[]gorums.ServerOption{gorums.WithGRPCServerOptions(grpc.InitialWindowSize(256 << 10))},
			windowCase{wantWindow: 256 << 10},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sniffer := newFrameSniffer()
			srv := ts.Serve(t, sniffer.listen(t), echoServer(), tc.opts...)
			cfg := ts.NewConfig(t, ts.NewTestManager(t), 1, []string{srv.Addr})
			checkWindow(t, "server", sniffer, cfg.Nodes()[0], tc.windowCase)
		})
	}
}
