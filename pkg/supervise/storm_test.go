package supervise_test

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// soakEnv, when "1", makes the storm tests run more rounds.
const soakEnv = "STAGEHAND_SOAK"

func rounds(short, long int) int {
	if os.Getenv(soakEnv) == "1" {
		return long
	}
	return short
}

// stormSignals is the storm sent to the agent: 50 SIGTERMs with a SIGINT
// and a SIGHUP after every fifth, starting with SIGTERM.
func stormSignals() []syscall.Signal {
	var storm []syscall.Signal
	for i := range 50 {
		storm = append(storm, syscall.SIGTERM)
		if i%5 == 4 {
			storm = append(storm, syscall.SIGINT, syscall.SIGHUP)
		}
	}
	return storm
}

// stormBurst is how many signals storm sends back to back between pauses.
const stormBurst = 7

// storm sends signals to the agent in bursts of stormBurst separated by
// pause, until all are sent, until is reached, or the agent has been
// waited for. It returns how many were delivered.
func (a *agent) storm(signals []syscall.Signal, pause time.Duration, until time.Time) int {
	sent := 0
	for i, sig := range signals {
		if time.Now().After(until) {
			break
		}
		if err := a.cmd.Process.Signal(sig); err != nil {
			if !errors.Is(err, os.ErrProcessDone) {
				a.t.Errorf("signal agent: %v", err)
			}
			break
		}
		sent++
		if i%stormBurst == stormBurst-1 {
			time.Sleep(pause)
		}
	}
	return sent
}

// assertGroupGone fails unless no process of process group pgid is left.
func assertGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for !errors.Is(unix.Kill(-pgid, 0), unix.ESRCH) {
		if time.Now().After(deadline) {
			t.Errorf("process group %d of the task survived the agent", pgid)
			_ = unix.Kill(-pgid, unix.SIGKILL)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stormTask writes its pid (its process group id) to "pid", ignores INT
// and HUP, runs onTerm on TERM, and idles with children in its group.
func stormTask(onTerm string) string {
	return `trap "" INT HUP; trap '` + onTerm + `' TERM; echo $$ > pid; touch ready; while :; do sleep 0.05; done`
}

// agentSaw counts the signals the agent logged handling: Go coalesces a
// signal that arrives while the same one is pending, so fewer than sent.
func agentSaw(stderr string) int {
	return strings.Count(stderr, `"msg":"forwarding signal"`) + strings.Count(stderr, `"msg":"stopping task"`)
}

// logTime returns the time of the agent's first log line with message msg.
func logTime(t *testing.T, stderr, msg string) time.Time {
	t.Helper()
	for line := range strings.Lines(stderr) {
		var entry struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == msg {
			return entry.Time
		}
	}
	t.Fatalf("agent did not log %q:\n%s", msg, tail(stderr))
	return time.Time{}
}

// TestReliabilitySignalStormTermIgnored sends 50 SIGTERMs and 10 each of
// SIGINT and SIGHUP to the agent over most of the grace period, while the
// task ignores them all. The storm must neither kill the task early nor
// restart the grace period: the agent kills the group once, when the grace
// period after the first SIGTERM is over, and exits 137 with reason
// Signaled and signal SIGKILL; nothing of the task's group survives.
func TestReliabilitySignalStormTermIgnored(t *testing.T) {
	t.Parallel()
	const grace = 1500 * time.Millisecond
	n := rounds(1, 5)
	var sent, saw int
	var took, agentGrace time.Duration
	for round := range n {
		a := startAgent(t, nil, "--grace", grace.String(), "--", "sh", "-c", stormTask(""))
		pgid := readPid(t, a.path("pid"))
		waitForFile(t, a.path("ready"))
		first := time.Now()
		// The storm ends well before the kill: a signal arriving while the
		// agent exits is TestReliabilitySignalStormThroughExit's business.
		sent = a.storm(stormSignals(), 25*time.Millisecond, first.Add(grace-400*time.Millisecond))
		o := a.wait()
		took = time.Since(first)
		saw = agentSaw(a.stderr.String())
		o.check(t, 128+int(syscall.SIGKILL), supervise.ReasonSignaled, "SIGKILL")
		// The agent's own clock: from handling the first SIGTERM to the
		// KILL. The test's clock adds scheduling delays on a busy machine.
		agentGrace = logTime(t, a.stderr.String(), "grace period over, killing task process group").
			Sub(logTime(t, a.stderr.String(), "stopping task"))
		if agentGrace < grace || agentGrace > grace+time.Second {
			t.Errorf("round %d: agent killed the group %s after stopping the task, want the grace period %s", round, agentGrace, grace)
		}
		if took < grace || took > grace+10*time.Second {
			t.Errorf("round %d: task killed %s after the first SIGTERM, want about the grace period %s", round, took, grace)
		}
		if sent < len(stormSignals()) {
			t.Logf("round %d: the machine is slow: only %d of %d signals sent during the grace period", round, sent, len(stormSignals()))
		}
		if got := strings.Count(a.stderr.String(), `"msg":"stopping task"`); got != 1 {
			t.Errorf("round %d: agent logged %d \"stopping task\" lines, want exactly 1", round, got)
		}
		if got := strings.Count(a.stderr.String(), `"msg":"grace period over, killing task process group"`); got != 1 {
			t.Errorf("round %d: agent killed the group %d times, want exactly 1", round, got)
		}
		assertGroupGone(t, pgid)
	}
	t.Logf("RELIABILITY agent run-signal-storm-term-ignored: rounds=%d signals-sent=%d (of TERM=50 INT=10 HUP=10) agent-handled=%d grace=%s agent-killed-after=%s test-saw-exit-after=%s exit=137 reason=Signaled signal=SIGKILL",
		n, sent, saw, grace, agentGrace.Round(time.Millisecond), took.Round(time.Millisecond))
}

// TestReliabilitySignalStormTaskExits42 sends the storm while the task
// handles TERM by exiting 42 once the storm is over: the agent must report
// the task's own status (42, reason Error, no signal), must not kill it,
// and nothing of its group may survive.
func TestReliabilitySignalStormTaskExits42(t *testing.T) {
	t.Parallel()
	const grace = 10 * time.Second
	n := rounds(2, 10)
	var sent, saw int
	var took time.Duration
	for round := range n {
		a := startAgent(t, nil, "--grace", grace.String(), "--", "sh", "-c",
			stormTask(`while [ ! -f storm-over ]; do sleep 0.01; done; exit 42`))
		pgid := readPid(t, a.path("pid"))
		waitForFile(t, a.path("ready"))
		first := time.Now()
		sent = a.storm(stormSignals(), 10*time.Millisecond, first.Add(grace/2))
		if err := os.WriteFile(a.path("storm-over"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		o := a.wait()
		took = time.Since(first)
		saw = agentSaw(a.stderr.String())
		o.check(t, 42, supervise.ReasonError, "")
		if sent != len(stormSignals()) {
			t.Errorf("round %d: %d of %d signals delivered: the agent exited during the storm", round, sent, len(stormSignals()))
		}
		if took >= grace {
			t.Errorf("round %d: agent took %s, the task was not let exit on its own", round, took)
		}
		if strings.Contains(a.stderr.String(), `"msg":"grace period over`) {
			t.Errorf("round %d: agent killed a task that exits on TERM", round)
		}
		assertGroupGone(t, pgid)
		if t.Failed() {
			t.FailNow()
		}
	}
	t.Logf("RELIABILITY agent run-signal-storm-exit-42: rounds=%d signals-sent-per-round=%d (TERM=50 INT=10 HUP=10) agent-handled=%d exited-after=%s exit=42 reason=Error",
		n, sent, saw, took.Round(time.Millisecond))
}

// TestReliabilitySignalStormThroughExit keeps sending SIGTERM to the agent
// until it has exited, while the task exits 42 on the first TERM: signals
// arriving after the task exited must not kill the agent, whose exit code
// and termination message must still be the task's.
//
// Regression test: run() used to call signal.Stop alone when the task was
// done, which restored the default actions, so a SIGTERM between then and
// the agent's exit killed the agent (exit 143, no termination message, in
// about half of the rounds). As PID 1 the kernel drops such signals, so
// this hit agents that are not PID 1 (shareProcessNamespace, another init).
func TestReliabilitySignalStormThroughExit(t *testing.T) {
	t.Parallel()
	n := rounds(20, 100)
	var total int
	for round := range n {
		a := startAgent(t, nil, "--grace", "10s", "--", "sh", "-c", stormTask("exit 42"))
		pgid := readPid(t, a.path("pid"))
		waitForFile(t, a.path("ready"))
		sent := make(chan int, 1)
		go func() {
			storm := make([]syscall.Signal, 0, 3000)
			for range 1000 {
				storm = append(storm, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
			}
			sent <- a.storm(storm, 300*time.Microsecond, time.Now().Add(10*time.Second))
		}()
		err := a.cmd.Wait()
		total += <-sent
		if code := a.cmd.ProcessState.ExitCode(); code != 42 {
			t.Fatalf("round %d: agent ended with %v (%v), want exit 42\nstderr:\n%s", round, a.cmd.ProcessState, err, tail(a.stderr.String()))
		}
		msg := readTerminationLog(t, a.termLog)
		if msg.ExitCode != 42 || msg.Reason != supervise.ReasonError || msg.Signal != "" {
			t.Fatalf("round %d: termination message %+v, want exit 42, reason Error", round, msg)
		}
		assertGroupGone(t, pgid)
	}
	t.Logf("RELIABILITY agent run-signal-storm-through-exit: rounds=%d signals-sent=%d exit=42 in every round", n, total)
}
