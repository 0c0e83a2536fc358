package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// agentBin is the agent binary, built once (statically) by TestMain.
var agentBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "stagehand-agent-test-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	agentBin = filepath.Join(dir, "agent")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build",
		"-ldflags", "-X github.com/stagehand-k8s/stagehand/pkg/version.Version=v9.9.9-test",
		"-o", agentBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		os.Stderr.WriteString("building the agent failed: " + err.Error() + "\n")
		return 1
	}
	return m.Run()
}

// agent runs the built binary with a private termination log.
func agent(t *testing.T, args ...string) (code int, stdout string, termLog string) {
	t.Helper()
	termLog = filepath.Join(t.TempDir(), "termination-log")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, agentBin, args...)
	cmd.Env = append(os.Environ(), supervise.TerminationLogEnv+"="+termLog)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 3 * time.Second
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("agent %q: %v\nstderr: %s", args, err, errOut.String())
	}
	return cmd.ProcessState.ExitCode(), out.String(), termLog
}

func TestVersion(t *testing.T) {
	code, out, _ := agent(t, "version")
	if code != 0 || !strings.HasPrefix(out, "v9.9.9-test ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("agent version = %d, %q; want 0 and the linked version with the Go version", code, out)
	}
}

func TestRun(t *testing.T) {
	code, out, termLog := agent(t, "run", "--", "/bin/sh", "-c", "echo hello; exit 42")
	if code != 42 || out != "hello\n" {
		t.Errorf("agent run = %d, %q; want 42, %q", code, out, "hello\n")
	}
	data, err := os.ReadFile(termLog)
	if err != nil || !strings.Contains(string(data), `"reason":"Error"`) {
		t.Errorf("termination log = %q, %v", data, err)
	}
}

func TestRunFlagErrorWritesTerminationLog(t *testing.T) {
	code, _, termLog := agent(t, "run", "--timeout", "soon", "--", "true")
	if code != supervise.ExitInternal {
		t.Errorf("exit code = %d, want %d", code, supervise.ExitInternal)
	}
	if data, err := os.ReadFile(termLog); err != nil || !strings.Contains(string(data), `"reason":"InternalError"`) {
		t.Errorf("termination log = %q, %v", data, err)
	}
}

func TestBadSubcommand(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}} {
		if code, _, _ := agent(t, args...); code != supervise.ExitInternal {
			t.Errorf("agent %q = %d, want %d", args, code, supervise.ExitInternal)
		}
	}
}

func TestStatic(t *testing.T) {
	f, err := elf.Open(agentBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("agent binary has a %s program header, want a static binary", p.Type)
		}
	}
}

func TestInstall(t *testing.T) {
	dir := t.TempDir()
	code, _, _ := agent(t, "install", dir)
	if code != 0 {
		t.Fatalf("agent install = %d, want 0", code)
	}
	code, out, _ := agent(t, "install", dir)
	if code != 0 {
		t.Fatalf("second agent install = %d, want 0", code)
	}
	installed := filepath.Join(dir, "agent")
	cmd := exec.Command(installed, "version")
	got, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(got), "v9.9.9-test") {
		t.Errorf("installed agent version = %q, %v (install output %q)", got, err, out)
	}
}

func TestFetchBadInput(t *testing.T) {
	// fetch's own bad-input code proves the subcommand is wired to it.
	code, _, _ := agent(t, "fetch", "--no-such-flag")
	if code != fetch.ExitBadInput {
		t.Errorf("agent fetch --no-such-flag = %d, want %d", code, fetch.ExitBadInput)
	}
}
