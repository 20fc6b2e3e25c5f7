// Package nettest holds network fixtures for tests: a listener that accepts TCP connections
// and never speaks, so a gRPC connection to it stays in CONNECTING until it is closed. It
// starts one accept goroutine per listener and stops it, with every accepted connection, when
// the test ends or its stop function is called.
package nettest

import (
	"net"
	"sync"
	"testing"
)

// SilentListener listens on a new 127.0.0.1 port, silently, and returns its address.
func SilentListener(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	Silent(t, lis)
	return lis.Addr().String()
}

// Silent accepts connections on lis and never answers. The returned function (also run at
// the test's cleanup) closes lis and every connection it accepted, and waits for its goroutine.
func Silent(t testing.TB, lis net.Listener) (stop func()) {
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = lis.Close()
			<-done
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				_ = c.Close()
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// DeadAddr returns a 127.0.0.1 address where nothing listens: a connection to it is refused.
func DeadAddr(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
