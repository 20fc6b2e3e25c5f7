package manager

import (
	"hash/fnv"
	"net"
	"strings"
	"testing"
)

func TestNodeIDKnownValue(t *testing.T) {
	id, resolved, err := NodeID("127.0.0.1:9080")
	if err != nil {
		t.Fatal(err)
	}
	if id != 2169638829 || resolved != "127.0.0.1:9080" {
		t.Fatalf("NodeID = %d, %q; want 2169638829, 127.0.0.1:9080", id, resolved)
	}
}

func fnv32a(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s))
	return h.Sum32()
}

func TestNodeIDResolvesHostNames(t *testing.T) {
	id, resolved, err := NodeID("localhost:9080")
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(resolved)
	if err != nil || port != "9080" || net.ParseIP(host) == nil || !net.ParseIP(host).IsLoopback() {
		t.Fatalf("localhost:9080 resolved to %q (%v), want a loopback ip:9080", resolved, err)
	}
	if id != fnv32a(resolved) {
		t.Fatalf("ID %d is not the FNV-1a hash of %q", id, resolved)
	}
	// The same address written differently has the same ID.
	id2, resolved2, err := NodeID(resolved)
	if err != nil || id2 != id || resolved2 != resolved {
		t.Fatalf("NodeID(%q) = %d, %q, %v; want %d", resolved, id2, resolved2, err, id)
	}
}

func TestNodeIDIPv6(t *testing.T) {
	id, resolved, err := NodeID("[::1]:9080")
	if err != nil {
		t.Fatal(err)
	}
	if resolved != "[::1]:9080" || id != fnv32a("[::1]:9080") {
		t.Fatalf("NodeID([::1]:9080) = %d, %q", id, resolved)
	}
}

func TestNodeIDErrors(t *testing.T) {
	for _, addr := range []string{
		"",
		"127.0.0.1",              // no port
		"127.0.0.1:notaport",     // bad port
		"127.0.0.1:70000",        // port out of range
		"no-such-host.invalid:1", // does not resolve
		"::1:9080",               // IPv6 without brackets
	} {
		t.Run(addr, func(t *testing.T) {
			id, resolved, err := NodeID(addr)
			if err == nil {
				t.Fatalf("NodeID(%q) = %d, %q, want an error", addr, id, resolved)
			}
			if addr != "" && !strings.Contains(err.Error(), addr) {
				t.Fatalf("error %q does not name the address %q", err, addr)
			}
		})
	}
}

// An unspecified host dials this host's loopback: it names the same server as the loopback
// address, with the same ID, so that one server is not counted twice.
func TestNodeIDUnspecifiedHost(t *testing.T) {
	for _, tc := range []struct{ addr, same string }{
		{":9080", "127.0.0.1:9080"},
		{"0.0.0.0:9080", "127.0.0.1:9080"},
		{"[::]:9080", "[::1]:9080"},
	} {
		id, resolved, err := NodeID(tc.addr)
		want, wantResolved, _ := NodeID(tc.same)
		if err != nil || id != want || resolved != wantResolved {
			t.Errorf("NodeID(%q) = %d, %q, %v; want %d, %q as for %s", tc.addr, id, resolved, err, want, wantResolved, tc.same)
		}
	}
}
