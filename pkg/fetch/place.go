package fetch

import (
	"errors"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// placer fsyncs verified downloads and renames them to their final names
// in the background, so that a worker starts its next download while the
// disk catches up with the previous one instead of waiting for it. At most
// Job.Parallelism placements run at once (each holds an open file); add
// blocks while they are all busy.
//
// The directories the files are renamed into are fsynced once each, by
// wait, after the last rename and before the manifest is written, instead
// of once per file.
type placer struct {
	f     *fetcher
	fail  func(error) // records a failure of the run
	slots chan struct{}
	wg    sync.WaitGroup

	mu     sync.Mutex
	dirs   map[string]bool // directories that received a rename
	failed bool
}

func newPlacer(f *fetcher, fail func(error)) *placer {
	return &placer{f: f, fail: fail, slots: make(chan struct{}, f.job.Parallelism), dirs: map[string]bool{}}
}

// add places the verified download of dep, whose open .part file is
// result.part, in the background; it takes over that file.
func (p *placer) add(dep *dependency, result downloadResult) {
	p.slots <- struct{}{}
	p.wg.Go(func() {
		defer func() { <-p.slots }()
		if err := p.place(dep, result); err != nil {
			p.f.failed(dep, err)
			p.mu.Lock()
			p.failed = true
			p.mu.Unlock()
			p.fail(err)
		}
	})
}

// place fsyncs and closes result.part and renames it to dep.target. On
// error the .part file is removed: an unverified or undurable download is
// never left behind.
func (p *placer) place(dep *dependency, result downloadResult) (err error) {
	defer func() {
		if err != nil {
			p.f.removePart(dep)
		}
	}()
	syncErr := result.part.Sync()
	closeErr := result.part.Close()
	switch {
	case syncErr != nil:
		return localIO("fsync", dep.raw, syncErr)
	case closeErr != nil:
		return localIO("close", dep.raw, closeErr)
	}
	if err := os.Rename(dep.partPath, dep.target); err != nil {
		return localIO("rename", dep.raw, err)
	}
	p.mu.Lock()
	p.dirs[filepath.Dir(dep.target)] = true
	p.mu.Unlock()
	p.f.fetched(dep, result.size, termination.StatePlaced)
	return nil
}

// wait waits for every placement, then, unless one failed, fsyncs each
// directory that received a file so that the renames are durable.
func (p *placer) wait() error {
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failed {
		return nil // the failure is the run's error already
	}
	for _, dir := range slices.Sorted(maps.Keys(p.dirs)) {
		if err := syncDir(dir); err != nil {
			return localIO("fsync directory "+dir, "", err)
		}
	}
	return nil
}

// removePart removes the .part file of a failed dependency, ignoring "not
// exist".
func (f *fetcher) removePart(dep *dependency) {
	if err := os.Remove(dep.partPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		f.log.Warn("cannot remove partial download", slog.String("uri", dep.redacted), slog.String("error", err.Error()))
	}
}

// fetched records and logs a dependency that is in its final place, in
// state (placed or extracted).
func (f *fetcher) fetched(dep *dependency, size int64, state string) {
	took := f.progress.done(dep, state)
	f.log.Info("fetched",
		slog.String("uri", dep.redacted),
		slog.String("path", dep.target),
		slog.String("state", state),
		slog.Int64("bytes", size),
		slog.String("duration", took.Round(time.Millisecond).String()),
	)
}

// failed records and logs the failure of dep, once.
func (f *fetcher) failed(dep *dependency, err error) {
	if !f.progress.failed(dep, err) {
		return
	}
	f.log.Error("dependency failed",
		slog.String("uri", dep.redacted),
		slog.String("state", termination.StateFailed),
		slog.Int("exitCode", ExitCode(err)),
		slog.String("error", f.progress.scrub(err.Error())),
	)
}
