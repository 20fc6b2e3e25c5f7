package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRun runs the demo and checks the table's counts, which the workload fixes (the
// latencies and the node errors of calls that reached a quorum vary from run to run).
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, row := range []string{
		`method +calls +failed +node errors +mean +p50 ≤ +p99 ≤ +max`,
		`storage\.Storage\.Read +13 +3 +3 +\S+ +\S+ +\S+ +\S+`,
		`storage\.Storage\.ReadQC +35 +5 +\d+ `,
		`storage\.Storage\.WriteMulticast +5 +0 +0 `,
		`storage\.Storage\.WriteQC +30 +0 +\d+ `,
	} {
		if !regexp.MustCompile(`(?m)^` + row).MatchString(out.String()) {
			t.Errorf("the table lacks a row matching %q:\n%s", row, out.String())
		}
	}
}
