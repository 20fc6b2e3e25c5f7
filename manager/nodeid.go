package manager

import (
	"fmt"
	"hash/fnv"
	"net"
)

// NodeID returns the ID that WithNodeList gives the node at addr: the FNV-1a 32-bit hash of the
// resolved "ip:port" string, and that string. "127.0.0.1:9080" has ID 2169638829.
func NodeID(addr string) (uint32, string, error) {
	if addr == "" {
		return 0, "", fmt.Errorf("empty address")
	}
	tcpAddr, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return 0, "", fmt.Errorf("address %q: %w", addr, err)
	}
	resolved := tcpAddr.String()
	h := fnv.New32a()
	_, _ = h.Write([]byte(resolved))
	return h.Sum32(), resolved, nil
}
