package gorumstest

import (
	"net"
	"sync"
	"sync/atomic"
)

// gate is the switch Hang and Resume flip for one server: while it is shut, the server's
// connections neither deliver what they read nor write anything, as if the process were
// frozen; the connections themselves stay open.
type gate struct {
	mu    sync.Mutex
	open  chan struct{}           // closed while the gate is open; replaced by Shut
	conns map[*gatedConn]struct{} // the connections accepted through the gate and not closed
}

func newGate() *gate {
	open := make(chan struct{})
	close(open)
	return &gate{open: open, conns: make(map[*gatedConn]struct{})}
}

// closeConns closes every connection of the gate, as a crash closes a process's sockets.
// Closing releases what the connections hold back, so a server whose gate is shut can stop:
// one that hung before a client connected has gRPC's handshake waiting in a write, on a
// connection gRPC does not yet track and so would not close.
func (g *gate) closeConns() {
	g.mu.Lock()
	conns := make([]*gatedConn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// shut makes traffic wait until reopen. It does nothing if the gate is already shut.
func (g *gate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
		g.open = make(chan struct{})
	default:
	}
}

// reopen lets traffic through again. It does nothing if the gate is open.
func (g *gate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.open:
	default:
		close(g.open)
	}
}

// wait returns true once the gate is open, or false if done is closed first.
func (g *gate) wait(done <-chan struct{}) bool {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return true
	case <-done:
		return false
	}
}

// gatedListener wraps a server's listener so that its connections pass through the gate and
// it reports the address the cluster gave the server.
type gatedListener struct {
	net.Listener
	gate    *gate
	addr    net.Addr
	stopped atomic.Bool // the server is stopping: a connection accepted now is closed at once
}

func (l *gatedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	gc := &gatedConn{Conn: c, gate: l.gate, closed: make(chan struct{})}
	l.gate.mu.Lock()
	l.gate.conns[gc] = struct{}{}
	l.gate.mu.Unlock()
	// Checked after the connection is in the gate, under whose lock closeConns looks: a
	// connection accepted as the server stops is closed either by closeConns or here, so
	// that no handshake of it can hold the server's Stop (gRPC does not track it yet).
	if l.stopped.Load() {
		_ = gc.Close()
	}
	return gc, nil
}

// stop closes the listener's connections, and those it accepts from now on.
func (l *gatedListener) stop() {
	l.stopped.Store(true)
	l.gate.closeConns()
}

func (l *gatedListener) Addr() net.Addr { return l.addr }

// gatedConn holds back what it reads and what it is asked to write while its gate is shut.
// Close releases both at once, so stopping a hung server never waits for Resume.
type gatedConn struct {
	net.Conn
	gate      *gate
	closeOnce sync.Once
	closed    chan struct{}
}

func (c *gatedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if !c.gate.wait(c.closed) {
		return 0, net.ErrClosed
	}
	return n, err
}

func (c *gatedConn) Write(p []byte) (int, error) {
	if !c.gate.wait(c.closed) {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(p)
}

func (c *gatedConn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.gate.mu.Lock()
		delete(c.gate.conns, c)
		c.gate.mu.Unlock()
	})
	return c.Conn.Close()
}
