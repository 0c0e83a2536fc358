package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// fetcher holds the state shared by the downloads of one run.
type fetcher struct {
	job         agentapi.Job
	client      *http.Client
	bearerToken string
	log         *slog.Logger
	progress    *progress
	// totalBytes counts bytes of successful and in-flight downloads against
	// Job.MaxTotalBytes.
	totalBytes atomic.Int64
}

// Run executes job: it downloads, verifies and places every dependency and
// writes the manifest last. log receives structured progress and errors; nil
// discards them. Errors are *Error; see ExitCode.
func Run(ctx context.Context, job agentapi.Job, log *slog.Logger) (*Manifest, error) {
	return run(ctx, job, log, nil, nil)
}

// run is Run connecting through netw, or through the system's network
// when netw is nil: tests replace it. obs, when not nil, is given the
// run's progress as soon as the dependencies are parsed.
func run(ctx context.Context, job agentapi.Job, log *slog.Logger, netw *network, obs *observer) (*Manifest, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	job = job.WithDefaults()
	if err := validateJob(job); err != nil {
		return nil, err
	}
	timeout := time.Duration(job.Timeout)
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("overall timeout %s exceeded", timeout))
	defer cancel()
	// Concurrent fetchers on the same directories run one after the other.
	unlock, err := lockDirectories(ctx, job, log)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// First of all, so that even a bad-input failure leaves no manifest.
	if err := removeManifest(job.ManifestPath); err != nil {
		return nil, localIO("remove old manifest", "", err)
	}
	deps, err := parseJobDependencies(job)
	if err != nil {
		return nil, err
	}
	token, err := readBearerToken(job.AuthFile)
	if err != nil {
		return nil, err
	}
	if netw == nil {
		system := systemNetwork(job, jobPolicy(job))
		netw = &system
	}
	client, err := newHTTPClient(job, *netw)
	if err != nil {
		return nil, err
	}
	defer client.CloseIdleConnections()
	if err := prepareDirectories(job); err != nil {
		return nil, err
	}

	f := &fetcher{job: job, client: client, bearerToken: token, log: log, progress: newProgress(deps, token)}
	obs.watch(f.progress)
	log.Info("fetch starting", slog.Int("dependencies", len(deps)), slog.Int("parallelism", job.Parallelism))

	progressCtx, stopProgress := context.WithCancel(ctx)
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		f.progress.logEvery(progressCtx, time.Duration(job.ProgressInterval), log)
	}()
	entries, err := f.fetchAll(ctx, deps)
	stopProgress()
	<-progressDone
	if err != nil {
		return nil, err
	}

	manifest := &Manifest{Version: ManifestVersion, CompletedAt: time.Now().UTC(), Entries: entries}
	if err := writeManifest(job.ManifestPath, manifest); err != nil {
		return nil, err
	}
	f.progress.log(log, "fetch complete")
	return manifest, nil
}

// prepareDirectories creates the target directories and removes leftovers of
// earlier runs: *.part files and temporary unpack directories.
func prepareDirectories(job agentapi.Job) error {
	for _, dir := range []string{job.JarsDir, job.FilesDir, filepath.Dir(job.ManifestPath)} {
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return localIO("create directory", "", err)
		}
	}
	for _, dir := range []string{job.JarsDir, job.FilesDir} {
		if dir == "" {
			continue
		}
		if err := removeStale(dir); err != nil {
			return localIO("clean "+dir, "", err)
		}
	}
	return nil
}

// fetchAll fetches deps with bounded parallelism: Job.Parallelism workers
// take the remote dependencies from a scheduler, largest known first and
// otherwise in list order (jars, then files, then archives, each in the
// order given). Verified jars and files are fsynced and renamed in the
// background (see placer) while their worker goes on with the next
// download. A dependency that fails does not stop the others, so that one
// run reports every broken URI, checksum or size at once (each mistake
// would otherwise cost a pod restart); the error returned joins every
// failure in list order. A local failure (the disk full, a directory that
// cannot be written) stops everything at once: the others would fail the
// same way.
func (f *fetcher) fetchAll(ctx context.Context, deps []*dependency) ([]Entry, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	entries := make([]Entry, len(deps))
	var remote []int // indexes into deps
	for index, dep := range deps {
		if dep.local {
			entries[index] = Entry{Name: dep.name, Kind: dep.kind, Path: dep.localPath, Source: dep.redacted, Local: true}
			continue
		}
		remote = append(remote, index)
	}
	var (
		wg       sync.WaitGroup
		failMu   sync.Mutex
		failures = make([]error, len(deps)+1) // by dependency; the last is the placer's
	)
	failAt := func(index int, err error) {
		f.failed(deps[index], err)
		failMu.Lock()
		defer failMu.Unlock()
		if failures[index] == nil {
			failures[index] = err
		}
		if ExitCode(err) == ExitLocalIO {
			cancel(err)
		}
	}
	fail := func(err error) { failAt(len(deps), err) }
	sched := newScheduler(remote)
	probeCtx, stopProbing := context.WithCancel(ctx)
	var prober sync.WaitGroup
	if len(remote) > f.job.Parallelism {
		prober.Go(func() { f.probeSizes(probeCtx, deps, sched) })
	}
	placer := newPlacer(f, fail)
	for range min(f.job.Parallelism, len(remote)) {
		wg.Go(func() {
			for {
				index, ok := sched.next()
				if !ok || ctx.Err() != nil {
					return
				}
				entry, err := f.fetchOne(ctx, deps[index], placer)
				if err != nil {
					failAt(index, err)
					continue
				}
				entries[index] = entry
			}
		})
	}
	wg.Wait()
	stopProbing()
	prober.Wait()
	placeErr := placer.wait()
	if err := errors.Join(failures...); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, newError(ExitNetwork, "fetch", "", context.Cause(ctx))
	}
	if placeErr != nil {
		return nil, placeErr
	}
	return entries, nil
}

// fetchOne downloads and verifies one dependency. A jar or file is handed
// to placer, which moves it to its final place in the background; an
// archive is unpacked into place here.
func (f *fetcher) fetchOne(ctx context.Context, dep *dependency, placer *placer) (entry Entry, err error) {
	if f.job.FileTimeout > 0 {
		timeout := time.Duration(f.job.FileTimeout)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, fmt.Errorf("per-file timeout %s exceeded", timeout))
		defer cancel()
	}
	defer func() {
		if err != nil {
			// Never leave an unverified download behind.
			f.removePart(dep)
		}
	}()

	result, err := f.downloadWithRetries(ctx, dep)
	if err != nil {
		return entry, err
	}
	f.progress.verified(dep, result.sha256)
	entry = Entry{Name: dep.name, Kind: dep.kind, Path: dep.target, Size: result.size, SHA256: result.sha256, Source: dep.redacted}
	if dep.kind != agentapi.KindArchive {
		placer.add(dep, result)
		return entry, nil
	}
	// The archive itself is never renamed into place, so it needs no fsync.
	if err := result.part.Close(); err != nil {
		return entry, localIO("close", dep.raw, err)
	}
	f.progress.set(dep, termination.StateExtracting)
	stats, err := f.unpack(ctx, dep)
	if err != nil {
		return entry, err
	}
	entry.ArchiveFiles, entry.ArchiveBytes = stats.files, stats.bytes
	if err := os.Remove(dep.partPath); err != nil {
		return entry, localIO("remove archive", dep.raw, err)
	}
	if err := syncDir(filepath.Dir(dep.target)); err != nil {
		return entry, localIO("fsync directory", dep.raw, err)
	}
	f.fetched(dep, result.size, termination.StateExtracted)
	return entry, nil
}
