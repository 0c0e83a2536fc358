package fetch

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// progress counts transferred bytes and finished files for periodic logging.
// Bytes of failed attempts stay counted: it reports traffic, not results.
// The total is the sum of the sizes servers declared (Content-Length of a
// download or of a size probe), once per dependency.
type progress struct {
	started    time.Time
	filesTotal int
	remote     int // dependencies that are downloaded
	bytes      atomic.Int64
	filesDone  atomic.Int64

	mu       sync.Mutex
	sizes    map[*dependency]int64
	expected int64
}

func newProgress(deps []*dependency) *progress {
	p := &progress{started: time.Now(), filesTotal: len(deps), sizes: map[*dependency]int64{}}
	for _, d := range deps {
		if !d.local {
			p.remote++
		}
	}
	return p
}

func (p *progress) addBytes(n int64) { p.bytes.Add(n) }

func (p *progress) fileDone() { p.filesDone.Add(1) }

// expect records the size a server declared for dep, the first time.
func (p *progress) expect(dep *dependency, size int64) {
	if size < 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, known := p.sizes[dep]; !known {
		p.sizes[dep] = size
		p.expected += size
	}
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

// log logs the bytes and files so far, the rate, and, once every download's
// size is known, the total, the share done and the time left at this rate.
func (p *progress) log(log *slog.Logger, message string) {
	elapsed := time.Since(p.started)
	bytes := p.bytes.Load()
	rate := 0.0
	if seconds := elapsed.Seconds(); seconds > 0 {
		rate = float64(bytes) / seconds
	}
	p.mu.Lock()
	known, expected := len(p.sizes), p.expected
	p.mu.Unlock()
	attrs := []any{
		slog.Int64("bytes", bytes),
		slog.Int64("bytesPerSecond", int64(rate)),
		slog.Int64("filesDone", p.filesDone.Load()),
		slog.Int("filesTotal", p.filesTotal),
		slog.String("elapsed", elapsed.Round(time.Millisecond).String()),
		slog.Int("sizesKnown", known),
	}
	if known == p.remote && p.remote > 0 {
		percent := 100.0
		if expected > 0 {
			percent = min(100, 100*float64(bytes)/float64(expected))
		}
		attrs = append(attrs, slog.Int64("bytesTotal", expected), slog.Int("percent", int(percent)))
		if left := expected - bytes; left > 0 && rate > 0 {
			attrs = append(attrs, slog.String("eta", (time.Duration(float64(left)/rate*float64(time.Second))).Round(time.Second).String()))
		}
	}
	log.Info(message, attrs...)
}
