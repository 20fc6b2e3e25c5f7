package actor

import (
	"testing"
	"time"
)

// TestDrain: Close waits for every goroutine that entered to leave, and refuses those that come
// after it began; without anyone inside it returns at once.
func TestDrain(t *testing.T) {
	var idle Drain
	idle.Close() // no one entered: returns at once
	if idle.Enter() {
		t.Fatal("Enter after Close counted a goroutine")
	}

	var d Drain
	const inside = 3
	for range inside {
		if !d.Enter() {
			t.Fatal("Enter before Close refused")
		}
	}
	closed := make(chan struct{})
	go func() {
		d.Close()
		close(closed)
	}()
	// Close has begun once an Enter is refused.
	deadline := time.Now().Add(10 * time.Second)
	for d.Enter() {
		d.Leave()
		if time.Now().After(deadline) {
			t.Fatal("Enter still counts goroutines after Close began")
		}
		time.Sleep(time.Millisecond) // polling for Close to begin
	}
	for i := range inside {
		select {
		case <-closed:
			t.Fatalf("Close returned with %d goroutines inside", inside-i)
		default:
		}
		d.Leave()
	}
	<-closed
}
