package supervise

import (
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Result describes how a supervised run ended.
type Result struct {
	// ExitCode is what the agent exits with: the task's exit status,
	// 128+N when it was killed by signal N, or one of the reserved Exit*
	// codes.
	ExitCode int
	// Signal is the signal that killed the task, or 0.
	Signal syscall.Signal
	// Reason classifies the outcome.
	Reason Reason
	// Message is a short human-readable explanation.
	Message string
	// Pid is the task's process id, or 0 when it never started.
	Pid int
	// Started reports whether the task process was started.
	Started bool
	// TimedOut reports that the task was stopped because Timeout elapsed.
	TimedOut bool
	// Duration is how long the task ran, from its start until it exited;
	// when it never started, the time Run took to give up.
	Duration time.Duration
}

// SignalName returns the conventional name of r.Signal ("SIGTERM"), or ""
// when the task was not killed by a signal.
func (r Result) SignalName() string {
	if r.Signal == 0 {
		return ""
	}
	if name := unix.SignalName(r.Signal); name != "" {
		return name
	}
	return fmt.Sprintf("SIG%d", int(r.Signal))
}

// failure builds the result of a run whose task never started.
func failure(code int, reason Reason, start time.Time, format string, args ...any) Result {
	return Result{
		ExitCode: code,
		Reason:   reason,
		Message:  fmt.Sprintf(format, args...),
		Duration: time.Since(start),
	}
}

// fromWaitStatus classifies the task's wait status.
func fromWaitStatus(ws unix.WaitStatus, timedOut bool) Result {
	var r Result
	switch {
	case ws.Signaled():
		r.Signal = ws.Signal()
		r.ExitCode = ExitSignalBase + int(r.Signal)
		r.Reason = ReasonSignaled
		r.Message = "task killed by " + r.SignalName()
	case ws.Exited():
		r.ExitCode = ws.ExitStatus()
		r.Reason = ReasonError
		r.Message = fmt.Sprintf("task exited with status %d", r.ExitCode)
		if r.ExitCode == 0 {
			r.Reason = ReasonCompleted
			r.Message = "task completed"
		}
	default:
		r.ExitCode = ExitInternal
		r.Reason = ReasonInternalError
		r.Message = fmt.Sprintf("unexpected wait status %#x", uint32(ws))
	}
	if timedOut {
		r.TimedOut = true
		r.Message = "task stopped after timeout; " + r.Message
		r.ExitCode = ExitTimeout
		r.Reason = ReasonTimeout
	}
	return r
}
