package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the demo and checks its story: a crash, and every client reading the last
// write after it.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"client 1 wrote \"hello\"",
		"client 2 read \"hello\"",
		"crashes",
		"client 3 wrote \"after the crash\"",
		"client 1 read \"after the crash\"",
		"crashed): ",
		"Every operation succeeded with 2 of 3 replicas up.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}
