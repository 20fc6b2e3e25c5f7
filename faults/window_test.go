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
)

// frameSniffer reads the HTTP/2 frames a client writes on its connections: the receive window
// it announces in its SETTINGS, and the PING frames it starts (not the acknowledgements of the
// server's).
type frameSniffer struct {
	mu     sync.Mutex
	window int64 // SETTINGS_INITIAL_WINDOW_SIZE, -1 until announced
	pings  int
	buf    []byte
	framed bool // the connection preface has been passed
}

func newFrameSniffer() *frameSniffer { return &frameSniffer{window: -1} }

// dial is a gRPC context dialer whose connections show what they write to s. The test makes
// one connection.
func (s *frameSniffer) dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &sniffedConn{Conn: c, s: s}, nil
}

type sniffedConn struct {
	net.Conn
	s *frameSniffer
}

func (c *sniffedConn) Write(b []byte) (int, error) {
	c.s.feed(b)
	return c.Conn.Write(b)
}

const (
	framePing     = 0x6
	frameSettings = 0x4
	flagAck       = 0x1
	settingWindow = 0x4
	http2Preface  = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
)

// feed takes the next bytes the client wrote and reads every frame they complete.
func (s *frameSniffer) feed(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, b...)
	if !s.framed {
		if len(s.buf) < len(http2Preface) {
			return
		}
		s.buf, s.framed = s.buf[len(http2Preface):], true
	}
	for len(s.buf) >= 9 {
		n := int(s.buf[0])<<16 | int(s.buf[1])<<8 | int(s.buf[2])
		if len(s.buf) < 9+n {
			return
		}
		typ, flags, payload := s.buf[3], s.buf[4], s.buf[9:9+n]
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
		s.buf = s.buf[9+n:]
	}
}

func (s *frameSniffer) seen() (window int64, pings int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.window, s.pings
}

// A client announces a static receive window, DefaultReceiveWindow unless told otherwise, and
// then starts no pings of its own: gRPC probes the link with a ping per round trip only while
// its window is dynamic, which WithReceiveWindow(0) gives back. A window set through
// WithGrpcDialOptions wins over Gorums' own.
func TestClientReceiveWindow(t *testing.T) {
	const calls = 20
	for _, tc := range []struct {
		name       string
		opts       []gorums.ManagerOption
		wantWindow int64 // -1: not announced (gRPC's default, 64 KiB)
		wantPings  bool
	}{
		{name: "default", wantWindow: manager.DefaultReceiveWindow},
		{name: "set", opts: []gorums.ManagerOption{gorums.WithReceiveWindow(1 << 20)}, wantWindow: 1 << 20},
		{name: "dynamic", opts: []gorums.ManagerOption{gorums.WithReceiveWindow(0)}, wantWindow: -1, wantPings: true},
		{
			name:       "gRPC option wins",
			opts:       []gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithInitialWindowSize(256 << 10))},
			wantWindow: 256 << 10,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := ts.Start(t, ts.Both(func(_ gorums.ServerCtx, req *ts.Request) (*ts.Response, error) {
				return ts.Echo(req), nil
			}))
			sniffer := newFrameSniffer()
			opts := append([]gorums.ManagerOption{gorums.WithGrpcDialOptions(grpc.WithContextDialer(sniffer.dial))}, tc.opts...)
			mgr := ts.NewTestManager(t, opts...)
			cfg := ts.NewConfig(t, mgr, 1, []string{srv.Addr})
			ctx := ts.Ctx(t, 30*time.Second)
			value := strings.Repeat("v", 1000)
			for i := range calls {
				if err := orderedEcho(ctx, cfg.Nodes()[0], uint64(i), value); err != nil {
					t.Fatal(err)
				}
			}
			if tc.wantPings {
				// gRPC's reader starts a probe when a reply's data comes and none is out.
				if err := ts.Poll(20*time.Second, func() bool { _, p := sniffer.seen(); return p > 0 }); err != nil {
					t.Fatalf("no ping after %d calls with a dynamic window", calls)
				}
			}
			window, pings := sniffer.seen()
			if window != tc.wantWindow {
				t.Errorf("announced receive window %d, want %d", window, tc.wantWindow)
			}
			if !tc.wantPings && pings != 0 {
				t.Errorf("%d pings from the client in %d calls with a static window, want none", pings, calls)
			}
		})
	}
}
