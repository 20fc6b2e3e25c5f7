// Package manager owns the client's pool of nodes.
//
// Most programs use it through the generated NewManager and the gorums package's options:
//
//	mgr := storage.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
//	defer mgr.Close()
//	cfg, err := mgr.NewConfiguration(qspec, gorums.WithNodeList(addrs))
//
// A Manager creates each node once, the first time a configuration (or AddNode) names it, and
// hands the same node to every configuration that includes it. It holds at most one node per
// server: two addresses that resolve to the same "ip:port", or one address under two IDs, are
// refused, because a server counted twice would break quorum intersection. Node IDs from
// WithNodeList are the FNV-1a hash of the resolved address (NodeID).
//
// Each node has an actor (package internal/callproto) that alone owns its gRPC connection and
// stream, connects in the background and reconnects with backoff; Node only reads what the
// actor publishes (LastErr, Latency, Connected). Close stops every actor and waits for it and
// the goroutines it started; calls in flight fail with Unavailable.
//
// Manager, Node and MultiSorter's Sort (on a slice of its own) are safe for concurrent use.
// Options are applied once, by New; their defaults are in options.go.
package manager
