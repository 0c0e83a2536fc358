package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stagehand-k8s/stagehand/internal/podrunner"
)

// agentBinary is the real agent, built once for every test.
var agentBinary string

// skipReason is set when this machine cannot run pods locally.
var skipReason string

func TestMain(m *testing.M) {
	podrunner.MaybeRunInit()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if err := podrunner.CheckSupport(); err != nil {
		skipReason = fmt.Sprintf("this machine cannot run pods locally: %v", err)
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "stagehand-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	agentBinary = filepath.Join(dir, "agent")
	build := exec.Command("go", "build", "-trimpath", "-o", agentBinary, "github.com/stagehand-k8s/stagehand/cmd/agent")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the agent: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

func requirePods(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end pod runs are skipped in -short mode")
	}
	if skipReason != "" {
		t.Skip(skipReason)
	}
}
