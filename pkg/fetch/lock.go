package fetch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// lockPoll is how often a run waiting for another fetcher's lock retries.
const lockPoll = 50 * time.Millisecond

// lockDirectories creates the directories a run writes to (JarsDir,
// FilesDir and the manifest's directory) and takes an exclusive flock(2) on
// each of them, in sorted order so that runs with overlapping directories
// cannot deadlock. It waits while another fetcher holds a lock, until ctx
// is done. The locks are released by the returned function, or by the
// kernel when the process dies: a crashed fetcher leaves no stale lock. On
// a file system without flock support the directory is used unlocked, as
// before locking existed, with a warning.
func lockDirectories(ctx context.Context, job agentapi.Job, log *slog.Logger) (unlock func(), err error) {
	var dirs []string
	for _, dir := range []string{job.JarsDir, job.FilesDir, filepath.Dir(job.ManifestPath)} {
		if dir != "" {
			dirs = append(dirs, filepath.Clean(dir))
		}
	}
	slices.Sort(dirs)
	dirs = slices.Compact(dirs)

	var held []*os.File
	release := func() {
		for _, handle := range held {
			_ = handle.Close() // closing releases the flock
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, localIO("create directory", "", err)
		}
		handle, err := os.Open(dir)
		if err != nil {
			return nil, localIO("lock directory", "", err)
		}
		locked, err := lockDirectory(ctx, handle, log)
		if err != nil {
			_ = handle.Close()
			return nil, err
		}
		if !locked {
			_ = handle.Close()
			continue
		}
		held = append(held, handle)
	}
	return release, nil
}

// lockDirectory takes an exclusive flock on the open directory handle,
// polling until ctx is done. It reports false when the file system does not
// support flock.
func lockDirectory(ctx context.Context, handle *os.File, log *slog.Logger) (bool, error) {
	fd := int(handle.Fd())
	waiting := false
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		switch {
		case err == nil:
			if waiting {
				log.Info("other fetcher done, directory locked", slog.String("dir", handle.Name()))
			}
			return true, nil
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EWOULDBLOCK):
			log.Warn("cannot lock directory, concurrent fetchers are not serialized",
				slog.String("dir", handle.Name()), slog.String("error", err.Error()))
			return false, nil
		}
		if !waiting {
			waiting = true
			log.Info("another fetcher is working in this directory, waiting for it", slog.String("dir", handle.Name()))
		}
		if sleepContext(ctx, lockPoll) != nil {
			return false, newError(ExitNetwork, "lock directory "+handle.Name(), "",
				fmt.Errorf("waiting for another fetcher: %w", context.Cause(ctx)))
		}
	}
}
