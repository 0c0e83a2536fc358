package fetch

import (
	"context"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// maxReportBytes bounds the summary FETCH_FINISHED carries: the Timeline
// Server has room for more than the kubelet's 4096 bytes, but one event
// must stay far below the spool's and a batch's bounds.
const maxReportBytes = 64 << 10

// fetchReport reports the fetch to the Timeline Server when
// STAGEHAND_TIMELINE_URL is set (see package timeline).
type fetchReport struct {
	rep   *timeline.Reporter
	flush time.Duration
}

// startReport starts reporting, or returns nil when it is not configured or
// cannot start (the reason is logged). Its FETCH_PROGRESS events carry the
// progress obs watches.
func startReport(job agentapi.Job, args []string, obs *observer, log *slog.Logger) *fetchReport {
	command := append([]string{"agent", "fetch"}, args...)
	rep, flush := timeline.StartFromEnv(os.Getenv, "stagehand-fetch", command, timeline.EventFetchProgress, log)
	if rep == nil {
		return nil
	}
	rep.SetProgressInfo(func() map[string]any {
		if p := obs.progress.Load(); p != nil {
			return p.status().info()
		}
		return nil
	})
	rep.Lifecycle(timeline.EventFetchStarted, time.Now(), map[string]any{
		"dependencies": len(job.Jars) + len(job.Files) + len(job.Archives)})
	return &fetchReport{rep: rep, flush: flush}
}

// finish reports FETCH_FINISHED with the summary and flushes within the
// flush timeout, even when ctx was canceled by a signal. errText is the
// run's error, the bearer token removed, or "".
func (r *fetchReport) finish(ctx context.Context, manifest *Manifest, summary termination.Fetch, errText string) {
	if r == nil {
		return
	}
	info := map[string]any{
		"exitCode":     summary.ExitCode,
		"reason":       summary.Reason,
		"message":      summary.Message,
		"durationMs":   int64(math.Round(summary.DurationSeconds * 1000)),
		"dependencies": summary.Dependencies,
		"failed":       summary.Failed,
		"files":        0,
		"bytes":        summary.Bytes,
	}
	if manifest != nil {
		info["files"] = len(manifest.Entries)
	}
	if errText != "" {
		info["error"] = errText
	}
	if _, fitted, err := summary.Encode(maxReportBytes); err == nil {
		info["items"] = fitted.Items
		if fitted.Truncated {
			info["truncated"], info["omitted"] = true, fitted.Omitted
		}
	}
	r.rep.Lifecycle(timeline.EventFetchFinished, time.Now(), info)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.flush)
	defer cancel()
	_ = r.rep.Close(ctx) // Close logs what it could not deliver
}
