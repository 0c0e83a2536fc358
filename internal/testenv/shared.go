package testenv

import (
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Shared is one environment started for a whole test binary and shared by
// its tests.
type Shared[S any] struct {
	value S
	skip  string
}

// Main starts the environment with start (unless SkipReason says the tests
// cannot run), runs the tests, stops it, and returns the exit code. name
// prefixes a start failure.
func (sh *Shared[S]) Main(m *testing.M, name string, start func() (S, func(), error)) int {
	if sh.skip = SkipReason(); sh.skip != "" {
		return m.Run()
	}
	ctrllog.SetLogger(logr.Discard())
	v, stop, err := start()
	defer stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: starting the test environment: %v\n", name, err)
		return 1
	}
	sh.value = v
	return m.Run()
}

// Get returns the shared environment, or skips the test when there is none.
func (sh *Shared[S]) Get(t *testing.T) S {
	t.Helper()
	if sh.skip != "" {
		t.Skip(sh.skip)
	}
	return sh.value
}
