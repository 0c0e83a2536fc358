package supervise

// Exit codes reserved by the agent. Every other exit code is the task's own
// exit status, or 128+N when the task was killed by signal N.
const (
	// ExitTimeout means the task was stopped because Options.Timeout
	// elapsed, whatever status it ended with afterwards.
	ExitTimeout = 124
	// ExitInternal means the agent itself failed: bad flags, a missing or
	// invalid fetch manifest, or a task that could not be started.
	ExitInternal = 125
	// ExitNotExecutable means the command was found but could not be
	// executed (no execute permission, a directory, an unknown format).
	ExitNotExecutable = 126
	// ExitNotFound means the command was not found.
	ExitNotFound = 127
	// ExitSignalBase is added to the signal number when the task was
	// killed by a signal.
	ExitSignalBase = 128
)

// Reason classifies how a supervised run ended. It is written verbatim to
// the termination message.
type Reason string

// The reasons a run ends with.
const (
	// ReasonCompleted: the task exited with status 0.
	ReasonCompleted Reason = "Completed"
	// ReasonError: the task exited with a non-zero status.
	ReasonError Reason = "Error"
	// ReasonSignaled: the task was killed by a signal.
	ReasonSignaled Reason = "Signaled"
	// ReasonTimeout: the task was stopped because the timeout elapsed.
	ReasonTimeout Reason = "Timeout"
	// ReasonNotFound: the command was not found (exit 127).
	ReasonNotFound Reason = "NotFound"
	// ReasonNotExecutable: the command could not be executed (exit 126).
	ReasonNotExecutable Reason = "NotExecutable"
	// ReasonInternalError: the agent failed before or while starting the
	// task (exit 125).
	ReasonInternalError Reason = "InternalError"
)
