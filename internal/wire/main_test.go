package wire

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that the tests that run gRPC leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
