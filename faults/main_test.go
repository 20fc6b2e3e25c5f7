package faults

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		// Re-executed inside a network namespace by netns_linux_test.go: serve until stdin closes or killed.
		os.Exit(runHelperServer())
	}
	goleak.VerifyTestMain(m)
}
