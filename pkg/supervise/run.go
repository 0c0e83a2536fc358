package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// pollInterval bounds how long a lost SIGCHLD can delay reaping.
const pollInterval = 250 * time.Millisecond

// Run supervises one task and returns how it ended. It validates opts,
// checks the manifest, resolves and starts the command in its own process
// group, forwards signals, enforces the timeout, reaps every child, and
// after the task has exited stops whatever the task left behind. The
// termination message is written on every path, and Observer.TaskFinished
// is called with the returned result.
//
// Run takes over the process: it installs handlers for all signals while
// it runs, makes the process a child subreaper, and waits for every child
// of the process (wait4(-1)). Nothing else in the process may start or wait
// for child processes while Run is running.
func Run(ctx context.Context, opts Options) Result {
	start := time.Now()
	log := opts.logger()
	r := run(ctx, &opts, start, log)

	attrs := []any{"exitCode", r.ExitCode, "reason", r.Reason, "message", r.Message,
		"durationSeconds", r.Duration.Seconds()}
	if r.Signal != 0 {
		attrs = append(attrs, "signal", r.SignalName())
	}
	log.Info("agent finished", attrs...)
	if err := WriteTerminationMessage(opts.TerminationLog, opts.CreateTerminationLog, r); err != nil {
		log.Warn("cannot write termination message", "path", opts.TerminationLog, "error", err)
	}
	opts.taskFinished(r)
	return r
}

func run(ctx context.Context, opts *Options, start time.Time, log *slog.Logger) Result {
	if err := opts.validate(); err != nil {
		return failure(ExitInternal, ReasonInternalError, start, "invalid options: %v", err)
	}
	if opts.ManifestPath != "" {
		check := opts.CheckManifest
		if check == nil {
			check = checkFetchManifest
		}
		if err := check(opts.ManifestPath); err != nil {
			return failure(ExitInternal, ReasonInternalError, start,
				"dependency manifest %s is not usable, not starting the task: %v", opts.ManifestPath, err)
		}
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	path, serr := resolve(opts.Command[0], env)
	if serr != nil {
		return failure(serr.code, serr.reason, start, "%v", serr)
	}

	// Catch signals before the task exists, so none is missed. This also
	// covers running as PID 1, where signals without a handler are ignored
	// by the kernel. Main has started catching them in the background (see
	// catchSignals): wait for the terminating ones only. Called as a
	// library, catch them all here and restore the handlers afterwards.
	sigCh := opts.signals.channel()
	if sigCh == nil {
		sigCh = make(chan os.Signal, 128)
		signal.Notify(sigCh)
		defer signal.Stop(sigCh)
	}

	if err := setSubreaper(); err != nil {
		log.Warn("cannot become child subreaper; orphans of the task will not be reaped", "error", err)
	}

	files, closeFiles, err := stdioFiles()
	if err != nil {
		return failure(ExitInternal, ReasonInternalError, start, "cannot prepare stdio: %v", err)
	}
	pid, err := syscall.ForkExec(path, opts.Command, &syscall.ProcAttr{
		Env:   env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	closeFiles()
	if err != nil {
		serr := classifyExecError(path, err)
		return failure(serr.code, serr.reason, start, "%v", serr)
	}
	taskStart := time.Now()
	// Arguments may carry credentials: log them redacted, as they are reported.
	log.Info("task started", "pid", pid, "path", path, "args", timeline.RedactArgs(opts.Command[1:], os.Getenv(agentapi.EnvATSSecretKey)))
	opts.taskStarted(pid, taskStart)

	s := &supervisor{pid: pid, grace: opts.grace(), log: log, sigCh: sigCh}
	status := s.waitTask(ctx, opts.Timeout)
	r := fromWaitStatus(status, s.timedOut)
	r.Pid, r.Started = pid, true
	r.Duration = time.Since(taskStart)
	log.Info("task exited", "pid", pid, "exitCode", r.ExitCode, "reason", r.Reason)
	s.cleanup()
	return r
}

// supervisor is the state of one started task. All of its methods run on
// the goroutine that called Run.
type supervisor struct {
	pid   int // also the process group id
	grace time.Duration
	log   *slog.Logger
	sigCh chan os.Signal

	timedOut bool
	killAt   time.Time // when the group gets KILL; zero until stopping
	killed   bool
}

// waitTask forwards signals and enforces the timeout until the task itself
// has exited, and returns its wait status.
func (s *supervisor) waitTask(ctx context.Context, timeout time.Duration) unix.WaitStatus {
	var timeoutC <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	var killC <-chan time.Time
	exited := make(chan struct{})
	go waitExited(s.pid, exited)
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	done := ctx.Done()

	stop := func(why string) {
		if !s.killAt.IsZero() {
			return
		}
		s.log.Info("stopping task", "reason", why, "graceSeconds", s.grace.Seconds())
		s.signal(unix.SIGTERM)
		s.killAt = time.Now().Add(s.grace)
		t := time.NewTimer(s.grace)
		killC = t.C
	}

	for {
		select {
		case sig := <-s.sigCh:
			if sig, ok := forwardable(sig); ok {
				if sig == unix.SIGTERM && s.killAt.IsZero() {
					stop("received SIGTERM")
				} else {
					s.log.Info("forwarding signal", "signal", unix.SignalName(sig))
					s.signal(sig)
				}
			}
		case <-timeoutC:
			s.timedOut = true
			stop(fmt.Sprintf("timeout of %s elapsed", timeout))
		case <-done:
			done = nil
			stop("context canceled")
		case <-killC:
			killC = nil
			s.kill()
		case <-exited:
			exited = nil
		case <-ticker.C:
		}
		reaped, _ := reapAll()
		for _, c := range reaped {
			if c.pid == s.pid {
				return c.status
			}
			s.log.Debug("reaped orphan", "pid", c.pid)
		}
	}
}

func (s *supervisor) signal(sig syscall.Signal) {
	if err := signalGroup(s.pid, sig); err != nil {
		s.log.Warn("cannot signal task process group", "signal", unix.SignalName(sig), "error", err)
	}
}

func (s *supervisor) kill() {
	if s.killed {
		return
	}
	s.killed = true
	s.log.Warn("grace period over, killing task process group", "pgid", s.pid)
	s.signal(unix.SIGKILL)
}

// stdioFiles returns the descriptors 0, 1 and 2 for the task: the agent's
// own, or /dev/null in place of one that is closed.
func stdioFiles() ([]uintptr, func(), error) {
	files := []uintptr{0, 1, 2}
	var opened []*os.File
	closeAll := func() {
		for _, f := range opened {
			_ = f.Close()
		}
	}
	for i := range files {
		if _, err := unix.FcntlInt(uintptr(i), unix.F_GETFD, 0); err == nil {
			continue
		} else if !errors.Is(err, unix.EBADF) {
			closeAll()
			return nil, nil, fmt.Errorf("inspect fd %d: %w", i, err)
		}
		f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("open %s: %w", os.DevNull, err)
		}
		opened = append(opened, f)
		files[i] = f.Fd()
	}
	return files, closeAll, nil
}
