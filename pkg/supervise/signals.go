package supervise

import (
	"errors"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// terminating are the signals whose default action ends the process, and
// the ones a container is sent in practice.
var terminating = []os.Signal{unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2, unix.SIGALRM, unix.SIGPIPE}

// catcher receives the signals of the agent process while it supervises.
type catcher struct {
	ch chan os.Signal
	// terminating is closed once the terminating signals are caught.
	terminating chan struct{}
}

// catchSignals starts catching every signal into a new catcher, the
// terminating ones first, and never stops: a signal arriving after Run
// stopped forwarding (between the task's exit and the agent's) is then
// dropped instead of killing the agent and losing the task's exit code and
// termination message. Stopping a Notify, or Ignore, would leave a window
// in which the default action applies.
//
// Catching one signal costs a round trip to the Go runtime's signal
// thread, 10-20 µs, and there are 65: about 1 ms in all. So Main catches
// them in the background, while it parses its arguments and starts the
// task; Run starts the task only once the terminating signals, the ones
// a container is sent in practice, are caught. Until all are caught, any
// other signal (SIGWINCH, SIGCONT, a real-time one...) gets Go's default
// handling, as before Main, and the signals already caught reach the
// channel only after that (os/signal holds its lock while catching).
func catchSignals() *catcher {
	c := &catcher{ch: make(chan os.Signal, 128), terminating: make(chan struct{})}
	go func() {
		signal.Notify(c.ch, terminating...)
		close(c.terminating)
		signal.Notify(c.ch)
	}()
	return c
}

// channel waits until the terminating signals are caught and returns the
// catcher's channel; nil for a nil catcher.
func (c *catcher) channel() chan os.Signal {
	if c == nil {
		return nil
	}
	<-c.terminating
	return c.ch
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
