package supervise

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// terminating are the signals whose default action ends the process.
var terminating = []os.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGALRM, unix.SIGPIPE}

// catchForLife keeps the terminating signals caught until the process exits,
// with a channel nobody reads: a signal arriving after Run stopped
// forwarding (between the task's exit and the agent's) is then dropped
// instead of killing the agent and losing the task's exit code and
// termination message. Stopping a Notify, or Ignore, would leave a window in
// which the default action applies.
func catchForLife() {
	signal.Notify(make(chan os.Signal, 1), terminating...)
}

// forwardable reports whether a signal received by the agent is forwarded
// to the task's process group. SIGCHLD is the agent's own business (it
// drives reaping) and SIGURG is used by the Go runtime for goroutine
// preemption, so neither is forwarded.
func forwardable(sig os.Signal) (syscall.Signal, bool) {
	s, ok := sig.(syscall.Signal)
	if !ok || s == unix.SIGCHLD || s == unix.SIGURG {
		return 0, false
	}
	return s, true
}

// signalGroup sends sig to every process in process group pgid. A group
// that no longer exists is not an error.
func signalGroup(pgid int, sig syscall.Signal) error {
	if err := unix.Kill(-pgid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}

// groupAlive reports whether process group pgid still has members (a
// zombie still counts until it is reaped).
func groupAlive(pgid int) bool {
	err := unix.Kill(-pgid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
