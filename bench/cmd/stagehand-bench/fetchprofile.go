package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/fetch"
)

// profileFetch runs fetch.Run, the code behind `agent fetch`, in this
// process under the CPU profiler, once, with the job of the fetch
// benchmark, to a disk directory. The loopback file server runs in this
// process too: its goroutines (net/http.(*conn).serve, sendfile) are in the
// profile and are not the agent's.
func profileFetch(ctx context.Context, o options, outDir string, log io.Writer) (profile, error) {
	fs, err := newFileSet(o.fetchFiles, o.fetchSize, o.fetchBig)
	if err != nil {
		return profile{}, err
	}
	defer fs.close()
	dest, err := os.MkdirTemp("", "stagehand-bench-fetch-")
	if err != nil {
		return profile{}, fmt.Errorf("creating the destination: %w", err)
	}
	defer os.RemoveAll(dest)
	job := fetchJob(fs, dest)
	path := filepath.Join(outDir, "fetch.cpu.pprof")
	out, err := os.Create(path)
	if err != nil {
		return profile{}, fmt.Errorf("creating the fetch profile: %w", err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	if err := pprof.StartCPUProfile(out); err != nil {
		return profile{}, fmt.Errorf("starting the fetch profile: %w", err)
	}
	start := time.Now()
	_, err = fetch.Run(ctx, job, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	elapsed := time.Since(start)
	pprof.StopCPUProfile()
	if err != nil {
		return profile{}, fmt.Errorf("fetch.Run: %w", err)
	}
	if err := out.Close(); err != nil {
		return profile{}, fmt.Errorf("writing the fetch profile: %w", err)
	}
	fmt.Fprintf(log, "profiled fetch.Run in-process: %v -> %s\n", elapsed.Round(time.Millisecond), path)
	return profile{name: fmt.Sprintf("fetch.Run in-process (agent fetch), %v wall", elapsed.Round(time.Millisecond)), path: path, top: pprofTop(ctx, path)}, nil
}
