package supervise

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// timelineObserver reports the run to the Timeline Server named by
// STAGEHAND_TIMELINE_URL (see package timeline). Its calls only append to
// the local spool; delivery happens in the background.
type timelineObserver struct {
	rep   *timeline.Reporter
	flush time.Duration
}

// startTimeline starts reporting, or returns nil when it is not
// configured or cannot start (the reason is logged).
func startTimeline(opts *Options, log *slog.Logger) *timelineObserver {
	rep, flush := timeline.StartFromEnv(os.Getenv, "", opts.Command, timeline.EventTaskProgress, log)
	if rep == nil {
		return nil
	}
	return &timelineObserver{rep: rep, flush: flush}
}

func (o *timelineObserver) TaskStarted(pid int, at time.Time) {
	o.rep.Lifecycle(timeline.EventTaskStarted, at, map[string]any{"pid": pid})
}

func (o *timelineObserver) TaskFinished(r Result) {
	now := time.Now()
	info := map[string]any{
		"exitCode":   r.ExitCode,
		"reason":     string(r.Reason),
		"message":    r.Message,
		"durationMs": r.Duration.Milliseconds(),
		"timedOut":   r.TimedOut,
		"started":    r.Started,
	}
	if r.Signal != 0 {
		info["signal"] = r.SignalName()
	}
	if r.Signal != 0 || r.TimedOut {
		o.rep.Lifecycle(timeline.EventTaskKilled, now, map[string]any{
			"signal": r.SignalName(), "timedOut": r.TimedOut, "exitCode": r.ExitCode})
	}
	o.rep.Lifecycle(timeline.EventTaskFinished, now, info)
}

// close flushes for at most the flush timeout and half the grace period,
// so that it fits in the pod's termination grace period. A SIGTERM or
// SIGINT ends the flush at once; the exit code stays the task's.
func (o *timelineObserver) close(grace time.Duration) {
	if o == nil {
		return
	}
	timeout := min(o.flush, grace/2)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_ = o.rep.Close(ctx) // Close logs what it could not deliver
}
