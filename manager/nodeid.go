package manager

import (
	"fmt"
	"hash/fnv"
	"net"
)

// NodeID returns the ID that WithNodeList gives the node at addr: the FNV-1a 32-bit hash of the
// resolved "ip:port" string, and that string. "127.0.0.1:9080" has ID 2169638829. An address
// without a port, or with port 0, is an error: a node is one server that clients can reach. An
// unspecified host (":9080", "0.0.0.0:9080", "[::]:9080") dials this host's loopback, so it
// resolves to the loopback address ("127.0.0.1:9080", "[::1]:9080"): one server, one ID.
func NodeID(addr string) (uint32, string, error) {
	if addr == "" {
		return 0, "", fmt.Errorf("empty address")
	}
	tcpAddr, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return 0, "", fmt.Errorf("address %q: %w", addr, err)
	}
	if tcpAddr.Port == 0 {
		return 0, "", fmt.Errorf("address %q: port 0 names no server (it asks the system for any free port when listening)", addr)
	}
	switch {
	case tcpAddr.IP == nil, tcpAddr.IP.Equal(net.IPv4zero):
		// ":port" and "0.0.0.0:port" dial this host, over IPv4 loopback: the same server as
		// "127.0.0.1:port", and counted once with it.
		tcpAddr.IP = net.IPv4(127, 0, 0, 1)
	case tcpAddr.IP.Equal(net.IPv6unspecified):
		tcpAddr.IP = net.IPv6loopback // "[::]:port" dials "[::1]:port"
	}
	resolved := tcpAddr.String()
	h := fnv.New32a()
	_, _ = h.Write([]byte(resolved))
	return h.Sum32(), resolved, nil
}
