package supervise

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// setSubreaper makes the agent the reaper of orphaned descendants, so that
// grandchildren left behind by the task are reparented to it rather than
// to init. As PID 1 the agent is the reaper anyway.
func setSubreaper() error {
	if os.Getpid() == 1 {
		return nil
	}
	return unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
}

// reaped is one child collected by reapAll.
type reaped struct {
	pid    int
	status unix.WaitStatus
}

// reapAll collects every terminated child of the agent without blocking,
// and reports whether the agent has no child left at all (not even a
// running one). All waiting in the agent goes through here, so the task's
// own status is never lost to a competing wait: callers recognise it by
// pid.
func reapAll() (out []reaped, noChildren bool) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.ECHILD):
			return out, true
		case err != nil || pid <= 0:
			// 0: children exist but none has terminated yet.
			return out, false
		}
		out = append(out, reaped{pid: pid, status: ws})
	}
}

// waitExited closes exited once process pid has terminated or is no longer
// a child of the agent. It does not reap: reapAll does, so the task's
// status still goes through the one place that waits. It wakes Run as soon
// as the task exits, without waiting for SIGCHLD to make its way through
// os/signal, which may be busy catching signals (see catchSignals).
func waitExited(pid int, exited chan<- struct{}) {
	defer close(exited)
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// childPids lists the agent's current children (including zombies) from
// /proc. It returns nil when /proc is unavailable.
func childPids() []int {
	tasks, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range tasks {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, field := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(field); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
