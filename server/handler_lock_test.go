package server

import "testing"

func TestHandlerLockToken(t *testing.T) {
	takeOvers := 0
	l := &handlerLock{takeOver: func() { takeOvers++ }}

	first := l.lend()
	if !l.returned(first) {
		t.Fatal("a handler that returned without Release must give the token back")
	}
	l.release(first) // a stale ServerCtx: its handler has returned
	if takeOvers != 0 {
		t.Fatal("Release after return handed the token on")
	}

	second := l.lend()
	l.release(first) // stale again, now while a later request holds the token
	if takeOvers != 0 {
		t.Fatal("a stale Release handed on a later request's token")
	}
	l.release(second)
	l.release(second) // twice: only the first counts
	if takeOvers != 1 {
		t.Fatalf("Release moved the token %d times, want 1", takeOvers)
	}
	if l.returned(second) {
		t.Fatal("a handler that released must not get the token back when it returns")
	}
}

func BenchmarkHandlerLockLend(b *testing.B) {
	l := &handlerLock{takeOver: func() {}}
	b.ReportAllocs()
	for b.Loop() {
		if !l.returned(l.lend()) {
			b.Fatal("token lost")
		}
	}
}
