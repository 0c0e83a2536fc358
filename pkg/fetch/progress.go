package fetch

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// progress counts transferred bytes and finished files for periodic logging.
// Bytes of failed attempts stay counted: it reports traffic, not results.
type progress struct {
	started    time.Time
	filesTotal int
	bytes      atomic.Int64
	filesDone  atomic.Int64
}

func newProgress(filesTotal int) *progress {
	return &progress{started: time.Now(), filesTotal: filesTotal}
}

func (p *progress) addBytes(n int64) { p.bytes.Add(n) }

func (p *progress) fileDone() { p.filesDone.Add(1) }

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

func (p *progress) log(log *slog.Logger, message string) {
	elapsed := time.Since(p.started)
	bytes := p.bytes.Load()
	rate := 0.0
	if seconds := elapsed.Seconds(); seconds > 0 {
		rate = float64(bytes) / seconds
	}
	log.Info(message,
		slog.Int64("bytes", bytes),
		slog.Int64("bytesPerSecond", int64(rate)),
		slog.Int64("filesDone", p.filesDone.Load()),
		slog.Int("filesTotal", p.filesTotal),
		slog.String("elapsed", elapsed.Round(time.Millisecond).String()),
	)
}
