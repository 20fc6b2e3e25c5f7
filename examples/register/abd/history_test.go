package abd_test

import (
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// regInput is the input of a register operation: a write of value, or a read.
type regInput struct {
	write bool
	value string
}

// registerModel is the sequential specification of a register whose initial value is "":
// a write sets the value, a read returns it.
var registerModel = porcupine.Model{
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(regInput)
		if in.write {
			return true, in.value
		}
		return output.(string) == state.(string), state
	},
	DescribeOperation: func(input, output any) string {
		in := input.(regInput)
		if in.write {
			return fmt.Sprintf("write(%q)", in.value)
		}
		return fmt.Sprintf("read() -> %q", output)
	},
	DescribeState: func(state any) string { return fmt.Sprintf("%q", state) },
}

// pending is the return time of an operation that failed: it may have taken effect at any
// time after its call, or never, which porcupine models as an operation that never returns.
const pending = math.MaxInt64

// history records operations from many goroutines, with times from one monotonic clock.
type history struct {
	start time.Time

	mu  sync.Mutex
	ops []porcupine.Operation
}

func newHistory() *history { return &history{start: time.Now()} }

// now returns the time since the history began, in nanoseconds, from the monotonic clock.
func (h *history) now() int64 { return time.Since(h.start).Nanoseconds() }

func (h *history) add(op porcupine.Operation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
}

// write records a write of value by client, called at call; a failed write is pending.
func (h *history) write(client int, value string, call int64, err error) {
	ret := h.now()
	if err != nil {
		ret = pending
	}
	h.add(porcupine.Operation{ClientId: client, Input: regInput{write: true, value: value}, Call: call, Return: ret})
}

// read records a read by client that returned value; a failed read is left out, since it
// returned nothing and a write-back never changes the register's value.
func (h *history) read(client int, value string, call int64, err error) {
	if err != nil {
		return
	}
	h.add(porcupine.Operation{ClientId: client, Input: regInput{}, Call: call, Output: value, Return: h.now()})
}

func (h *history) operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}

// check runs porcupine on ops. If the result is not want, it writes porcupine's
// visualization of the history to the test's artifact directory (kept with go test
// -artifacts) and logs where.
func check(t *testing.T, ops []porcupine.Operation, want porcupine.CheckResult) porcupine.CheckResult {
	t.Helper()
	start := time.Now()
	res := porcupine.CheckOperationsTimeout(registerModel, ops, 20*time.Second)
	t.Logf("porcupine checked %d operations in %v: %s", len(ops), time.Since(start).Round(time.Millisecond), res)
	if res != want {
		// Check again, keeping the partial linearizations that the visualization shows.
		_, info := porcupine.CheckOperationsVerbose(registerModel, ops, 20*time.Second)
		path := filepath.Join(t.ArtifactDir(), "history.html")
		if err := porcupine.VisualizePath(registerModel, info, path); err != nil {
			t.Logf("visualize: %v", err)
		} else {
			t.Logf("history of %d operations visualized in %s", len(ops), path)
		}
	}
	return res
}
