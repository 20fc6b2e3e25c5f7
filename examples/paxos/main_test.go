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

// TestRun runs the demo, which checks the logs' agreement itself, and checks its story.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"round1: 5 clients propose 3 values each, through replicas [1 2 3 4 5]",
		"Replicas 4 and 5 crash.",
		"round2: 3 clients propose 3 values each, through replicas [1 2 3]",
		"client 3 (through replica 3): decided in slots",
		"A proposal through crashed replica 5 fails",
		"replica 5 (crashed)",
		"Agreement: each of the 24 decided slots has one value on every replica that knows it, and each of the 24 acknowledged values is decided once",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}
