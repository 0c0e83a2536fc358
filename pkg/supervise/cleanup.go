package supervise

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// cleanupPoll is how often cleanup checks whether leftovers are gone.
	cleanupPoll = 20 * time.Millisecond
	// killWait bounds how long cleanup waits for leftovers after KILL
	// (processes in uninterruptible sleep cannot be waited for forever).
	killWait = 2 * time.Second
)

// cleanup stops and reaps whatever the task left behind once it has
// exited: the rest of its process group, and orphans reparented to the
// agent (which may have moved to other groups or sessions). Each gets
// TERM, then KILL once the grace period is over; when the task was
// already being stopped, the grace period already running is kept.
func (s *supervisor) cleanup() {
	if s.leftoversGone() {
		return
	}
	s.log.Info("task left processes behind, stopping them", "pgid", s.pid)
	if s.killAt.IsZero() {
		s.killAt = time.Now().Add(s.grace)
	}
	// Orphans outside the group have not been signalled yet: they get what
	// the group got, so a task already killed leaves nothing to wait for.
	if s.killed {
		s.signalLeftovers(unix.SIGKILL)
	} else {
		s.signalLeftovers(unix.SIGTERM)
	}
	ticker := time.NewTicker(cleanupPoll)
	defer ticker.Stop()
	var giveUp time.Time
	for {
		select {
		case sig := <-s.sigCh:
			if sig, ok := forwardable(sig); ok {
				s.signalLeftovers(sig)
			}
		case <-ticker.C:
		}
		if s.leftoversGone() {
			s.log.Info("leftover processes stopped")
			return
		}
		now := time.Now()
		if !s.killed && !now.Before(s.killAt) {
			s.killed = true
			s.log.Warn("grace period over, killing leftover processes", "pgid", s.pid)
			s.signalLeftovers(unix.SIGKILL)
		}
		if s.killed {
			if giveUp.IsZero() {
				giveUp = now.Add(killWait)
			} else if now.After(giveUp) {
				s.log.Error("leftover processes did not exit after SIGKILL, giving up",
					"pgid", s.pid, "children", childPids())
				return
			}
		}
	}
}

// leftoversGone reaps what has exited and reports whether neither the
// task's process group nor any child of the agent remains.
func (s *supervisor) leftoversGone() bool {
	reaped, noChildren := reapAll()
	for _, c := range reaped {
		s.log.Debug("reaped leftover", "pid", c.pid)
	}
	return noChildren && !groupAlive(s.pid)
}

// signalLeftovers sends sig to the task's process group and to every child
// of the agent (orphans that left the group are still reparented here).
func (s *supervisor) signalLeftovers(sig unix.Signal) {
	s.signal(sig)
	for _, pid := range childPids() {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			s.log.Warn("cannot signal leftover process", "pid", pid, "error", err)
		}
	}
}
