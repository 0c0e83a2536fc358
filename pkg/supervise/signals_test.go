package supervise_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// loopScript installs the given traps, signals readiness, and idles.
func loopScript(traps string) string {
	return traps + "; touch ready; while :; do sleep 0.05; done"
}

func TestSignalsAreForwarded(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		sig   syscall.Signal
		traps string
		code  int
	}{
		{"TERM", syscall.SIGTERM, `trap "exit 42" TERM`, 42},
		{"USR1", syscall.SIGUSR1, `trap "exit 10" USR1`, 10},
		{"HUP", syscall.SIGHUP, `trap "exit 11" HUP`, 11},
		{"INT", syscall.SIGINT, `trap "exit 12" INT`, 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := startAgent(t, nil, "--grace", "5s", "--", "sh", "-c", loopScript(tc.traps))
			waitForFile(t, a.path("ready"))
			a.signal(tc.sig)
			o := a.wait()
			o.check(t, tc.code, supervise.ReasonError, "")
		})
	}
}

func TestSignalWithoutTrapKillsTask(t *testing.T) {
	t.Parallel()
	a := startAgent(t, nil, "--", "sh", "-c", loopScript("true"))
	waitForFile(t, a.path("ready"))
	a.signal(syscall.SIGUSR2)
	a.wait().check(t, 128+int(syscall.SIGUSR2), supervise.ReasonSignaled, "SIGUSR2")
}

func TestTermIgnoredKilledAfterGrace(t *testing.T) {
	t.Parallel()
	const grace = 300 * time.Millisecond
	a := startAgent(t, nil, "--grace", grace.String(), "--", "sh", "-c", loopScript(`trap "" TERM`))
	waitForFile(t, a.path("ready"))
	sent := time.Now()
	a.signal(syscall.SIGTERM)
	o := a.wait()
	o.check(t, 137, supervise.ReasonSignaled, "SIGKILL")
	if took := time.Since(sent); took < grace || took > grace+5*time.Second {
		t.Errorf("task killed %s after SIGTERM, want about the grace period %s", took, grace)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		script string
		signal string
	}{
		{"stops on TERM", "sleep 30", "SIGTERM"},
		{"ignores TERM", loopScript(`trap "" TERM`), "SIGKILL"},
		{"exits cleanly on TERM", loopScript(`trap "exit 0" TERM`), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const timeout = 300 * time.Millisecond
			o := runAgent(t, "--timeout", timeout.String(), "--grace", "300ms", "--", "sh", "-c", tc.script)
			o.check(t, supervise.ExitTimeout, supervise.ReasonTimeout, tc.signal)
			if o.elapsed < timeout || o.elapsed > 10*time.Second {
				t.Errorf("agent took %s, want about the timeout %s", o.elapsed, timeout)
			}
		})
	}
}

func TestTimeoutNotReachedKeepsStatus(t *testing.T) {
	t.Parallel()
	o := runAgent(t, "--timeout", "10s", "--", "sh", "-c", "exit 7")
	o.check(t, 7, supervise.ReasonError, "")
}

// TestAsPID1: as PID 1 of a PID namespace the kernel ignores signals that
// have no handler; the agent must still forward TERM and INT.
func TestAsPID1(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		a := newAgent(t, nil, "--grace", "5s", "--", "sh", "-c",
			loopScript(`trap "exit 42" TERM; trap "exit 43" INT`))
		a.cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWPID}
		a.started = time.Now()
		if err := a.cmd.Start(); err != nil {
			t.Skipf("cannot create a PID namespace: %v", err)
		}
		waitForFile(t, a.path("ready"))
		a.signal(sig)
		want := map[syscall.Signal]int{syscall.SIGTERM: 42, syscall.SIGINT: 43}[sig]
		a.wait().check(t, want, supervise.ReasonError, "")
	}
}
