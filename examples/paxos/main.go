package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/quorumcall/gorums"
	"github.com/quorumcall/gorums/examples/paxos/multipaxos"
	pb "github.com/quorumcall/gorums/examples/paxos/proto"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "paxos:", err)
		os.Exit(1)
	}
}

const (
	nReplicas = 5
	perClient = 3 // values each client proposes in a round
)

// member is one replica of the demo, with its state (its "disk") and its Serve's result.
type member struct {
	id     uint32
	r      *gorums.Replica
	state  *multipaxos.State
	served chan error
	down   bool
}

func (m *member) stop() error {
	m.r.Stop()
	if m.served == nil {
		return nil
	}
	err := <-m.served
	m.served = nil
	return err
}

// run is the demo: five replicas of the replicated log in this process, clients proposing
// through all of them at once, two replicas crashing, the other three going on, and a check
// that the logs agree.
func run(ctx context.Context, out io.Writer) (err error) {
	var mu sync.Mutex // serializes output from concurrent clients
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, format+"\n", args...)
	}

	// Every replica needs every replica's address: listen first, then make the replicas.
	members := make(map[uint32]string, nReplicas)
	listeners := make([]net.Listener, nReplicas)
	for i := range listeners {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		listeners[i] = lis
		members[uint32(i+1)] = lis.Addr().String()
	}
	var group []*member
	defer func() {
		for _, m := range group {
			err = errors.Join(err, m.stop())
		}
	}()
	for i, lis := range listeners {
		m := &member{id: uint32(i + 1), state: multipaxos.NewState(), served: make(chan error, 1)}
		m.r, err = gorums.NewReplica(m.id, members, gorums.WithReplicaManagerOptions(
			gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials()))))
		if err != nil {
			for _, l := range listeners[i:] {
				_ = l.Close()
			}
			return err
		}
		multipaxos.Register(m.r, m.state) // its handlers call the group on m.r.Configuration()
		go func() { m.served <- m.r.Serve(lis) }()
		group = append(group, m)
	}
	say("%d replicas, each serving Paxos and holding a configuration of all %d: %s", nReplicas, nReplicas, show(members))

	// The clients: one manager, a node per replica.
	mgr := pb.NewManager(gorums.WithGrpcDialOptions(grpc.WithTransportCredentials(insecure.NewCredentials())))
	defer mgr.Close()
	nodeMap := make(map[string]uint32, nReplicas)
	for id, addr := range members {
		nodeMap[addr] = id
	}
	cfg, err := mgr.NewConfiguration(multipaxos.NewQSpec(nReplicas), gorums.WithNodeMap(nodeMap))
	if err != nil {
		return err
	}
	nodes := cfg.Nodes() // sorted by ID: nodes[i] is replica i+1

	acked := make(map[string]uint64)
	round := func(name string, through []int) error {
		say("\n%s: %d clients propose %d values each, through replicas %v, all at once:", name, len(through), perClient, ids(through))
		errs := make([]error, len(through))
		var wg sync.WaitGroup
		for c, i := range through {
			wg.Go(func() {
				var slots []uint64
				for k := range perClient {
					value := fmt.Sprintf("%s/c%d-%d", name, c+1, k)
					r, err := nodes[i].Propose(ctx, &pb.ProposeRequest{Value: value})
					if err != nil {
						errs[c] = fmt.Errorf("client %d: propose %q through replica %d: %w", c+1, value, i+1, err)
						return
					}
					mu.Lock()
					acked[value] = r.GetSlot()
					mu.Unlock()
					slots = append(slots, r.GetSlot())
				}
				say("  client %d (through replica %d): decided in slots %v", c+1, i+1, slots)
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	}

	if err := round("round1", []int{0, 1, 2, 3, 4}); err != nil {
		return err
	}
	say("\nReplicas 4 and 5 crash.")
	for _, m := range group[3:] {
		m.down = true
		if err := m.stop(); err != nil {
			return err
		}
	}
	if err := round("round2", []int{0, 1, 2}); err != nil {
		return err
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = nodes[4].Propose(short, &pb.ProposeRequest{Value: "through a crashed replica"})
	cancel()
	if err == nil {
		return errors.New("a proposal through a crashed replica succeeded")
	}
	say("\nA proposal through crashed replica 5 fails: %v", err)

	say("\nThe logs (a replica knows the slots it decided or was told of; a crashed one what it had):")
	for _, m := range group {
		status := "up"
		if m.down {
			status = "crashed"
		}
		log := m.state.Log()
		say("  replica %d (%s): %d slots: %s", m.id, status, len(log), show(log))
	}
	states := make(map[uint32]*multipaxos.State, len(group))
	for _, m := range group {
		states[m.id] = m.state
	}
	union, err := multipaxos.CheckAgreement(states, acked)
	if err != nil {
		return err
	}
	say("\nAgreement: each of the %d decided slots has one value on every replica that knows it, and each of the %d acknowledged values is decided once, in the slot its client was told.", len(union), len(acked))
	return nil
}

func ids(idx []int) []int {
	out := make([]int, len(idx))
	for k, i := range idx {
		out[k] = i + 1
	}
	return out
}

// show lists a map's entries by key, as key=value.
func show[K uint32 | uint64](m map[K]string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d=%s", k, m[k])
	}
	return strings.Join(parts, " ")
}
