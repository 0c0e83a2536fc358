package supervise_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// TestLeftoversAreStopped: processes the task leaves behind are stopped
// once it exits, whether they stay in its group, ignore TERM, or left the
// group for a session of their own.
func TestLeftoversAreStopped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		script  string
		maxTime time.Duration
	}{
		{"in group", `sleep 1000 & echo $! > pid`, 3 * time.Second},
		{"ignores TERM", `(trap "" TERM; exec sleep 1000) & echo $! > pid`, 5 * time.Second},
		{"own session", `setsid sleep 1000 & echo $! > pid`, 3 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := startAgent(t, nil, "--grace", "300ms", "--", "sh", "-c", tc.script+"; exit 3")
			o := a.wait()
			o.check(t, 3, supervise.ReasonError, "")
			if o.elapsed > tc.maxTime {
				t.Errorf("agent took %s to exit, want at most %s", o.elapsed, tc.maxTime)
			}
			pid := readPid(t, a.path("pid"))
			if !processGone(pid) {
				t.Errorf("leftover process %d (state %q) still exists after the agent exited", pid, procState(pid))
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		})
	}
}

// TestOrphansAreReaped: orphans reparented to the agent (subreaper) are
// reaped when they exit, while the task is still running.
func TestOrphansAreReaped(t *testing.T) {
	t.Parallel()
	// Each subshell starts a short sleep and exits at once, orphaning it.
	script := `for i in 1 2 3 4 5; do (sleep 1 &); done; touch ready; sleep 30`
	a := startAgent(t, nil, "--grace", "1s", "--", "sh", "-c", script)
	waitForFile(t, a.path("ready"))
	agentPid := a.cmd.Process.Pid

	// While the orphans live they are the agent's children: it is a subreaper.
	if kids := children(t, agentPid); len(kids) < 2 {
		t.Errorf("agent children = %v, want the task and its orphans", kids)
	}
	deadline := time.Now().Add(5 * time.Second)
	var kids map[int]string
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if kids = children(t, agentPid); len(kids) == 1 {
			break
		}
	}
	if len(kids) != 1 {
		t.Errorf("agent children = %v (pid: state), want only the task; orphans not reaped", kids)
	}
	for pid, state := range kids {
		if state == "Z" {
			t.Errorf("child %d of the agent is a zombie", pid)
		}
	}
	a.signal(syscall.SIGTERM)
	a.wait().check(t, 143, supervise.ReasonSignaled, "SIGTERM")
}

// TestLeftoversOutsideGroupAfterKill: when the task had to be killed, an
// orphan in a session of its own is killed at once, not waited for.
func TestLeftoversOutsideGroupAfterKill(t *testing.T) {
	t.Parallel()
	script := `setsid sleep 1000 & echo $! > pid; ` + loopScript(`trap "" TERM`)
	a := startAgent(t, nil, "--timeout", "200ms", "--grace", "200ms", "--", "sh", "-c", script)
	o := a.wait()
	o.check(t, supervise.ExitTimeout, supervise.ReasonTimeout, "SIGKILL")
	if o.elapsed > 1500*time.Millisecond {
		t.Errorf("agent took %s to exit, want the orphan killed without waiting", o.elapsed)
	}
	pid := readPid(t, a.path("pid"))
	if !processGone(pid) {
		t.Errorf("orphan %d (state %q) still exists after the agent exited", pid, procState(pid))
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
