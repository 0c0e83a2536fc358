package podrunner

import (
	"fmt"
	"os"
	"testing"
)

// skipReason is set by TestMain when this machine cannot create the
// namespaces containers need.
var skipReason string

func TestMain(m *testing.M) {
	MaybeRunInit() // never returns in the re-executed helper
	if err := CheckSupport(); err != nil {
		skipReason = err.Error()
		fmt.Fprintf(os.Stderr, "podrunner: container tests will be skipped: %v\n", err)
	}
	os.Exit(m.Run())
}

// requireNamespaces skips tests that start containers on machines where
// namespaces cannot be created.
func requireNamespaces(t *testing.T) {
	t.Helper()
	if skipReason != "" {
		t.Skipf("cannot run containers here (needs mount+PID namespaces): %s", skipReason)
	}
}
