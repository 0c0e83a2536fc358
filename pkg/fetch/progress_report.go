package fetch

import (
	"context"
	"log/slog"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// status is a moment of a run's progress.
type status struct {
	elapsed time.Duration
	// bytes counts the current attempts' bytes of the dependencies not
	// failed, traffic every byte received; rate is traffic per second
	// since the start.
	bytes, traffic int64
	rate           float64
	// total, percent and eta are set once the size of every download not
	// failed is known (totalKnown); eta only when something is left and
	// bytes came (etaKnown).
	totalKnown  bool
	total       int64
	percent     int
	etaKnown    bool
	eta         time.Duration
	sizesKnown  int
	filesDone   int // placed, extracted or local
	filesFailed int
	filesTotal  int
	// states counts the dependencies in each state; active lists those
	// being worked on (fetching, retrying, verified, extracting).
	states map[string]int
	active []activeFile
}

// activeFile is a dependency being worked on, as progress lines show it.
type activeFile struct {
	Name  string `json:"name"`
	State string `json:"state"`
	Bytes int64  `json:"bytes"`
	// Size and Percent are set once its size is known.
	Size    int64 `json:"size,omitempty"`
	Percent *int  `json:"percent,omitempty"`
	Attempt int   `json:"attempt"`
}

// status returns the progress now. A failed dependency leaves the share
// done: its bytes and size no longer count, so that the total shows and
// the percentage can reach 100 for the others.
func (p *progress) status() status {
	s := status{elapsed: time.Since(p.started), traffic: p.traffic.Load(), filesTotal: len(p.files), states: map[string]int{}}
	if seconds := s.elapsed.Seconds(); seconds > 0 {
		s.rate = float64(s.traffic) / seconds
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	unknown, counted := 0, 0 // sizes unknown, and dependencies counted in the share done
	for _, file := range p.files {
		received := file.received.Load()
		s.states[file.state]++
		if !file.dep.local && file.size >= 0 {
			s.sizesKnown++
		}
		switch file.state {
		case termination.StatePlaced, termination.StateExtracted, termination.StateLocal:
			s.filesDone++
		case termination.StateFailed:
			s.filesFailed++
		case termination.StateFetching, termination.StateRetrying, termination.StateVerified, termination.StateExtracting:
			active := activeFile{Name: file.dep.name, State: file.state, Bytes: received, Attempt: file.attempts}
			if file.size >= 0 {
				active.Size, active.Percent = file.size, percentOf(received, file.size)
			}
			s.active = append(s.active, active)
		}
		if file.dep.local || file.state == termination.StateFailed {
			continue
		}
		counted++
		s.bytes += received
		if file.size < 0 {
			unknown++
		} else {
			s.total += file.size
		}
	}
	if unknown == 0 && counted > 0 {
		s.totalKnown = true
		s.percent = *percentOf(s.bytes, s.total)
		if left := s.total - s.bytes; left > 0 && s.rate > 0 {
			s.etaKnown, s.eta = true, time.Duration(float64(left)/s.rate*float64(time.Second))
		}
	} else {
		s.total = 0
	}
	return s
}

// percentOf is part's share of whole, in whole percent, at most 100; 100
// for an empty whole.
func percentOf(part, whole int64) *int {
	percent := 100
	if whole > 0 {
		percent = int(min(100, 100*float64(part)/float64(whole)))
	}
	return &percent
}

// logEvery logs a progress line every interval until ctx is done.
func (p *progress) logEvery(ctx context.Context, interval time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			p.log(log, "fetch progress")
		}
	}
}

// log logs the progress: bytes and files so far, the rate, once every
// download's size is known the total, the share done and the time left at
// this rate, the number of dependencies in each state and those being
// worked on.
func (p *progress) log(log *slog.Logger, message string) {
	s := p.status()
	attrs := []any{
		slog.Int64("bytes", s.bytes),
		slog.Int64("bytesPerSecond", int64(s.rate)),
		slog.Int("filesDone", s.filesDone),
		slog.Int("filesFailed", s.filesFailed),
		slog.Int("filesTotal", s.filesTotal),
		slog.String("elapsed", s.elapsed.Round(time.Millisecond).String()),
		slog.Int("sizesKnown", s.sizesKnown),
	}
	if s.totalKnown {
		attrs = append(attrs, slog.Int64("bytesTotal", s.total), slog.Int("percent", s.percent))
		if s.etaKnown {
			attrs = append(attrs, slog.String("eta", s.eta.Round(time.Second).String()))
		}
	}
	attrs = append(attrs, slog.Any("states", s.states))
	if len(s.active) > 0 {
		attrs = append(attrs, slog.Any("active", s.active))
	}
	log.Info(message, attrs...)
}

// info is the status as the eventinfo of a FETCH_PROGRESS event.
func (s status) info() map[string]any {
	info := map[string]any{
		"bytes":          s.bytes,
		"bytesPerSecond": int64(s.rate),
		"filesDone":      s.filesDone,
		"filesFailed":    s.filesFailed,
		"filesTotal":     s.filesTotal,
		"states":         s.states,
	}
	if s.totalKnown {
		info["bytesTotal"], info["percent"] = s.total, s.percent
		if s.etaKnown {
			info["etaMs"] = s.eta.Milliseconds()
		}
	}
	if len(s.active) > 0 {
		info["active"] = s.active
	}
	return info
}
