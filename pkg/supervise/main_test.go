package supervise_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// agentEnv makes the test binary behave as `agent run` (re-exec), so the
// process-level tests drive a real agent process without a separate build.
const agentEnv = "STAGEHAND_SUPERVISE_TEST_AGENT"

// agentTimeout bounds every agent process a test starts.
const agentTimeout = 20 * time.Second

func TestMain(m *testing.M) {
	if os.Getenv(agentEnv) == "1" {
		os.Exit(supervise.Main(context.Background(), os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

// agent is one agent process started by a test.
type agent struct {
	t       *testing.T
	cmd     *exec.Cmd
	dir     string
	termLog string
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	started time.Time
}

// outcome is how an agent process ended.
type outcome struct {
	code    int
	elapsed time.Duration
	msg     supervise.TerminationMessage
	stdout  string
	stderr  string
}

// startAgent starts `agent run args...` with a private termination log and
// working directory. extraEnv entries override the environment.
func startAgent(t *testing.T, extraEnv []string, args ...string) *agent {
	t.Helper()
	a := newAgent(t, extraEnv, args...)
	a.start()
	return a
}

// newAgent prepares an agent process without starting it.
func newAgent(t *testing.T, extraEnv []string, args ...string) *agent {
	t.Helper()
	dir := t.TempDir()
	a := &agent{t: t, dir: dir, termLog: filepath.Join(dir, "termination-log")}
	ctx, cancel := context.WithTimeout(context.Background(), agentTimeout)
	t.Cleanup(cancel)
	a.cmd = exec.CommandContext(ctx, os.Args[0], args...)
	a.cmd.Dir = dir
	a.cmd.Env = append(os.Environ(), agentEnv+"=1", supervise.TerminationLogEnv+"="+a.termLog)
	a.cmd.Env = append(a.cmd.Env, extraEnv...)
	a.cmd.Stdout = &a.stdout
	a.cmd.Stderr = &a.stderr
	a.cmd.WaitDelay = 3 * time.Second
	return a
}

func (a *agent) start() {
	a.t.Helper()
	a.started = time.Now()
	if err := a.cmd.Start(); err != nil {
		a.t.Fatalf("start agent: %v", err)
	}
}

// wait waits for the agent and reads its termination message, which must
// be valid JSON shorter than 4096 bytes.
func (a *agent) wait() outcome {
	a.t.Helper()
	err := a.cmd.Wait()
	o := outcome{elapsed: time.Since(a.started), stdout: a.stdout.String(), stderr: tail(a.stderr.String())}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		a.t.Fatalf("wait for agent: %v\nstderr:\n%s", err, o.stderr)
	}
	o.code = a.cmd.ProcessState.ExitCode()
	if o.code < 0 {
		a.t.Fatalf("agent died: %v (timeout %s?)\nstderr:\n%s", a.cmd.ProcessState, agentTimeout, o.stderr)
	}
	o.msg = readTerminationLog(a.t, a.termLog)
	return o
}

func (a *agent) signal(sig syscall.Signal) {
	a.t.Helper()
	if err := a.cmd.Process.Signal(sig); err != nil {
		a.t.Fatalf("signal agent: %v", err)
	}
}

// path returns a file name in the agent's working directory.
func (a *agent) path(name string) string { return filepath.Join(a.dir, name) }

// runAgent runs `agent run args...` to completion.
func runAgent(t *testing.T, args ...string) outcome {
	t.Helper()
	return startAgent(t, nil, args...).wait()
}

func readTerminationLog(t *testing.T, path string) supervise.TerminationMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("termination log: %v", err)
	}
	if len(data) >= supervise.MaxTerminationMessage {
		t.Errorf("termination log is %d bytes, want < %d", len(data), supervise.MaxTerminationMessage)
	}
	var msg supervise.TerminationMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&msg); err != nil {
		t.Fatalf("termination log %q is not valid JSON: %v", data, err)
	}
	if msg.Component != supervise.Component {
		t.Errorf("termination log component = %q, want %q", msg.Component, supervise.Component)
	}
	return msg
}

// check asserts the exit code and the termination message's fields.
func (o outcome) check(t *testing.T, code int, reason supervise.Reason, signal string) {
	t.Helper()
	if o.code != code {
		t.Errorf("exit code = %d, want %d\nstderr:\n%s", o.code, code, o.stderr)
	}
	if o.msg.ExitCode != code {
		t.Errorf("termination exitCode = %d, want %d", o.msg.ExitCode, code)
	}
	if o.msg.Reason != reason {
		t.Errorf("termination reason = %q, want %q (message %q)", o.msg.Reason, reason, o.msg.Message)
	}
	if o.msg.Signal != signal {
		t.Errorf("termination signal = %q, want %q", o.msg.Signal, signal)
	}
}

// waitForFile waits until path exists.
func waitForFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within 10s", path)
}

// readPid reads a pid the task wrote to path.
func readPid(t *testing.T, path string) int {
	t.Helper()
	waitForFile(t, path)
	var pid int
	for range 100 { // the writer may not have finished the line yet
		data, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
				return pid
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", path)
	return 0
}

// processGone reports whether pid no longer exists (a zombie still exists).
func processGone(pid int) bool {
	return errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// children lists the child pids of pid with their /proc state letter.
func children(t *testing.T, pid int) map[int]string {
	t.Helper()
	files, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	if err != nil || len(files) == 0 {
		t.Skipf("cannot read children of %d from /proc: %v", pid, err)
	}
	out := map[int]string{}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(data)) {
			child, err := strconv.Atoi(field)
			if err != nil {
				continue
			}
			out[child] = procState(child)
		}
	}
	return out
}

// procState returns the state letter from /proc/<pid>/stat, or "" when the
// process is gone.
func procState(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name may contain spaces; the state follows its ")".
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2 : i+3]
	}
	return "?"
}

// tail keeps the end of long agent output readable in failure messages.
func tail(s string) string {
	const keep = 3000
	if len(s) <= keep {
		return s
	}
	return "..." + s[len(s)-keep:]
}
