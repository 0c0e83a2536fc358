package supervise

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// DefaultGrace is the grace period between TERM and KILL when
// Options.Grace is zero.
const DefaultGrace = 10 * time.Second

// DefaultTerminationLog is the Kubernetes default terminationMessagePath.
const DefaultTerminationLog = termination.DefaultPath

// TerminationLogEnv overrides the termination log path when the
// --termination-log flag is not given.
const TerminationLogEnv = termination.EnvPath

// Options configures one supervised run.
type Options struct {
	// Command is the task: Command[0] is resolved through PATH like exec
	// does, the rest are its arguments. Required.
	Command []string
	// Env is the task's environment; nil means the agent's own.
	Env []string
	// Timeout stops the task (TERM, then KILL after Grace) once it has
	// run this long. Zero means no timeout.
	Timeout time.Duration
	// Grace is how long to wait between TERM and KILL. Zero means
	// DefaultGrace.
	Grace time.Duration
	// ManifestPath, when set, names the fetch result manifest that must
	// exist (and parse) before the task starts.
	ManifestPath string
	// CheckManifest validates ManifestPath. Nil means fetch.ReadManifest:
	// the file must exist, decode, and have the current format version.
	CheckManifest func(path string) error
	// TerminationLog is where the termination message is written after
	// the run. Empty means no termination message.
	TerminationLog string
	// CreateTerminationLog allows creating TerminationLog when it does not
	// exist. When false (as for the default /dev/termination-log, which
	// the kubelet always provides), a missing file is silently skipped.
	CreateTerminationLog bool
	// Logger receives the agent's own structured log lines. Nil means
	// slog.Default().
	Logger *slog.Logger
	// Observer, when set, is told about lifecycle events.
	Observer Observer

	// signals, set by Main, are the signals caught since the process
	// started, never stopped. When nil, Run catches every signal itself
	// before starting the task and stops catching them when it returns.
	signals *catcher
}

// Observer is told about lifecycle events of a run, for example to report
// them to a Timeline Server. Calls are made synchronously from the
// supervising goroutine, so implementations must return quickly.
type Observer interface {
	// TaskStarted is called once the task process has been started.
	TaskStarted(pid int, at time.Time)
	// TaskFinished is called once with the final result, also when the
	// task never started.
	TaskFinished(result Result)
}

func (o *Options) validate() error {
	var errs []error
	if len(o.Command) == 0 || o.Command[0] == "" {
		errs = append(errs, errors.New("no command given"))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", o.Timeout))
	}
	if o.Grace < 0 {
		errs = append(errs, fmt.Errorf("grace must not be negative, got %s", o.Grace))
	}
	return errors.Join(errs...)
}

func (o *Options) grace() time.Duration {
	if o.Grace == 0 {
		return DefaultGrace
	}
	return o.Grace
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

func (o *Options) taskStarted(pid int, at time.Time) {
	if o.Observer != nil {
		o.Observer.TaskStarted(pid, at)
	}
}

func (o *Options) taskFinished(r Result) {
	if o.Observer != nil {
		o.Observer.TaskFinished(r)
	}
}
