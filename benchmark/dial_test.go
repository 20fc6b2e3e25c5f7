package benchmark

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// TestDialEndsWithContext ends a Dial that waits for a server that accepts connections and
// never answers: it returns at once with the context's cause, not after its dial timeout.
func TestDialEndsWithContext(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan struct{}, 1)
	var conns []net.Conn
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := lis.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open and silent until the test ends
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	})
	t.Cleanup(func() {
		_ = lis.Close()
		wg.Wait()
		for _, c := range conns {
			_ = c.Close()
		}
	})

	ctx, cancel := context.WithCancelCause(t.Context())
	errInterrupt := errors.New("interrupted by the test")
	done := make(chan error, 1)
	go func() {
		target, err := Dial(ctx, []string{lis.Addr().String()}, 1)
		if err == nil {
			_ = target.Close()
		}
		done <- err
	}()
	<-accepted // Gorums' client is connecting
	cancel(errInterrupt)
	select {
	case err := <-done:
		if !errors.Is(err, errInterrupt) {
			t.Fatalf("err = %v, want the context's cause", err)
		}
	case <-time.After(time.Minute): // a deadline for a hang, not a timing goal
		t.Fatal("Dial goes on after its context ended")
	}
}
