package reliability

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/version"
)

// soakEnv selects the long forms of the tests.
const soakEnv = "STAGEHAND_SOAK"

// Bounds of the waits in this package.
const (
	buildTimeout   = 5 * time.Minute
	startTimeout   = 20 * time.Second
	exitTimeout    = 20 * time.Second
	requestTimeout = 5 * time.Second
	pollInterval   = 20 * time.Millisecond
)

var (
	// binary is the webhook built by TestMain.
	binary string
	// entrypointsFile is the STAGEHAND_ENTRYPOINTS map of the golden cases.
	entrypointsFile string
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if testing.Short() {
		return m.Run() // every test skips
	}
	dir, err := os.MkdirTemp("", "stagehand-reliability-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	entrypointsFile = filepath.Join(dir, "entrypoints.yaml")
	if err := os.WriteFile(entrypointsFile, []byte("apache/spark:*: [/opt/entrypoint.sh]\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// build compiles cmd/webhook into dir with this test binary's version, so
// that its injection status matches the in-process handler's.
func build(dir string) error {
	binary = filepath.Join(dir, "webhook")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-X github.com/stagehand-k8s/stagehand/pkg/version.Version="+version.Version,
		"-o", binary, "github.com/stagehand-k8s/stagehand/cmd/webhook")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the webhook: %w\n%s", err, out)
	}
	return nil
}

// soak reports whether the long forms run.
func soak() bool { return os.Getenv(soakEnv) == "1" }

// needBinary skips a test in -short mode.
func needBinary(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("process-level reliability tests are skipped in -short mode")
	}
}

// pick returns the short or the soak value.
func pick[T any](short, long T) T {
	if soak() {
		return long
	}
	return short
}
