package fetch

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// observer lets Main watch a run: it holds the run's progress once the
// dependencies are parsed (nil before, or when the run failed earlier).
type observer struct {
	progress atomic.Pointer[progress]
}

// watch gives the run's progress to o, which may be nil.
func (o *observer) watch(p *progress) {
	if o != nil {
		o.progress.Store(p)
	}
}

// Reason names an exit code in the termination message.
func Reason(code int) string {
	switch code {
	case ExitOK:
		return "Completed"
	case ExitBadInput:
		return "BadInput"
	case ExitNetwork:
		return "NetworkError"
	case ExitIntegrity:
		return "IntegrityError"
	case ExitSizeLimit:
		return "SizeLimit"
	case ExitLocalIO:
		return "LocalIOError"
	}
	return fmt.Sprintf("Exit%d", code)
}

// summarize builds the termination message of a run that took took and
// ended with err; p is its progress, nil when it failed before its
// dependencies were parsed.
func summarize(p *progress, took time.Duration, err error) termination.Fetch {
	code := ExitCode(err)
	m := termination.Fetch{
		Component:       termination.FetchComponent,
		ExitCode:        code,
		Reason:          Reason(code),
		DurationSeconds: seconds(took),
	}
	var failed, skipped, local []string
	if p != nil {
		m.Items = p.items()
		m.Dependencies = len(m.Items)
		for _, item := range m.Items {
			m.Bytes += item.Bytes
			switch item.State {
			case termination.StateFailed:
				failed = append(failed, item.Name)
			case termination.StateSkipped:
				skipped = append(skipped, item.Name)
			case termination.StateLocal:
				local = append(local, item.Name)
			}
		}
		m.Failed = len(failed)
		termination.FailuresFirst(m.Items)
	}
	switch {
	case err == nil:
		m.Message = fmt.Sprintf("%d dependencies in place (%d downloaded, %d local), %d bytes",
			m.Dependencies, m.Dependencies-len(local), len(local), m.Bytes)
	case len(failed) > 0:
		m.Message = fmt.Sprintf("%d of %d dependencies failed: %s", len(failed), m.Dependencies, strings.Join(failed, ", "))
		if len(skipped) > 0 {
			m.Message += fmt.Sprintf("; %d not started", len(skipped))
		}
	default:
		m.Message = p.scrub(err.Error())
	}
	return m
}

// items lists the dependencies in job order, in their final states: one
// still queued when the run ended is skipped.
func (p *progress) items() []termination.Dependency {
	p.mu.Lock()
	defer p.mu.Unlock()
	items := make([]termination.Dependency, 0, len(p.files))
	for _, file := range p.files {
		item := termination.Dependency{Name: file.dep.name, Kind: file.dep.kind, State: file.state,
			Bytes: file.received.Load(), Error: file.err}
		if item.State == termination.StateQueued {
			item.State = termination.StateSkipped
		}
		if file.sha256 != "" {
			item.SHA256 = file.sha256[:min(len(file.sha256), termination.SHA256PrefixLength)]
			item.Pinned = file.dep.wantSHA256 != ""
		}
		if file.attempts > 1 {
			item.Attempts = file.attempts
		}
		if !file.begun.IsZero() && !file.ended.IsZero() {
			item.Seconds = seconds(file.ended.Sub(file.begun))
		}
		items = append(items, item)
	}
	return items
}

// seconds is d in seconds, rounded to the millisecond.
func seconds(d time.Duration) float64 {
	return math.Round(d.Seconds()*1000) / 1000
}
