// Register is an atomic (linearizable) register on Gorums quorum calls, with the ABD
// algorithm, as a runnable demo: three replicas in this process, three clients reading and
// writing concurrently, and one replica crashing mid-run while the other two, a majority, go
// on serving every call.
//
// Usage:
//
//	go run ./examples/register
//
// The service and its generated API are in the proto subdirectory; the replica, the majority
// QuorumSpec and the ABD client are in the abd package, whose tests check with the porcupine
// linearizability checker that histories of concurrent clients stay linearizable while a
// minority of replicas crashes.
//
// Goroutines: each server's Serve runs on a goroutine of its own, waited for when the demo
// stops the servers; each client of the concurrent round runs on its own goroutine, joined
// before the next round. Output from concurrent clients is serialized by a mutex.
package main
