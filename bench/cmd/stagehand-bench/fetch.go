package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// fetchParallelism is the agent's default and curl's --parallel-max.
const fetchParallelism = 5

// fetchTimeout bounds one fetch by either tool.
const fetchTimeout = 3 * time.Minute

// Fetch tools.
const (
	toolAgent = "agent fetch"
	toolCurl  = "curl"
)

// Destinations of the fetch benchmark.
const (
	destDisk  = "disk"
	destTmpfs = "tmpfs"
)

// fetchResults are the wall times of each tool per destination.
type fetchResults struct {
	bytes, files int
	// times[dest][tool]
	times map[string]map[string][]time.Duration
	dests []string
}

// ratio is the agent's median wall time over curl's, to dest.
func (r fetchResults) ratio(dest string) float64 {
	return ratio(float64(median(r.times[dest][toolAgent])), float64(median(r.times[dest][toolCurl])))
}

// benchFetch fetches the file set with `agent fetch` (sha256 pins,
// parallelism 5) and with curl --parallel, alternating, o.fetchRounds times
// each, to a disk directory and, when there is one, to tmpfs. The files are
// synced and removed after each run, outside its time.
func benchFetch(ctx context.Context, o options, w *workspace, log io.Writer) (fetchResults, error) {
	res := fetchResults{times: map[string]map[string][]time.Duration{}}
	if err := ensureCurl(ctx, log); err != nil {
		return res, err
	}
	fs, err := newFileSet(o.fetchFiles, o.fetchSize, o.fetchBig)
	if err != nil {
		return res, err
	}
	defer fs.close()
	res.bytes, res.files = int(fs.total()), len(fs.files)
	dests := map[string]string{destDisk: os.TempDir()}
	res.dests = []string{destDisk}
	if strings.HasPrefix(fs.dir, "/dev/shm/") {
		dests[destTmpfs] = "/dev/shm"
		res.dests = append(res.dests, destTmpfs)
	}
	for _, name := range res.dests {
		res.times[name] = map[string][]time.Duration{}
		for r := range o.fetchRounds {
			for _, tool := range []string{toolAgent, toolCurl} {
				d, err := fetchOnce(ctx, w, fs, dests[name], tool)
				if err != nil {
					return res, fmt.Errorf("%s to %s, round %d: %w", tool, name, r+1, err)
				}
				res.times[name][tool] = append(res.times[name][tool], d)
				fmt.Fprintf(log, "fetch %-5s %-11s %v\n", name, tool, d.Round(time.Millisecond))
			}
		}
	}
	return res, nil
}

// fetchOnce runs one tool into a new directory under parent and times it.
func fetchOnce(ctx context.Context, w *workspace, fs *fileSet, parent, tool string) (time.Duration, error) {
	dest, err := os.MkdirTemp(parent, "stagehand-bench-fetch-")
	if err != nil {
		return 0, fmt.Errorf("creating the destination: %w", err)
	}
	defer os.RemoveAll(dest)
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	cmd, err := fetchCommand(ctx, w, fs, dest, tool)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%w: %.2000s", err, out)
	}
	if err := fs.check(dest); err != nil {
		return 0, err
	}
	if tool == toolAgent && !fileExists(filepath.Join(dest, "jars", agentapi.ManifestFileName)) {
		return 0, fmt.Errorf("agent fetch succeeded without writing its manifest")
	}
	// Write back what curl left dirty now, so that it does not slow the
	// next run down.
	syscall.Sync()
	return elapsed, nil
}

// fetchCommand is the command of one tool fetching every file to dest.
func fetchCommand(ctx context.Context, w *workspace, fs *fileSet, dest, tool string) (*exec.Cmd, error) {
	jars, files := filepath.Join(dest, "jars"), filepath.Join(dest, "files")
	switch tool {
	case toolAgent:
		job := fetchJob(fs, dest)
		data, err := json.Marshal(job)
		if err != nil {
			return nil, fmt.Errorf("encoding the fetch job: %w", err)
		}
		cmd := exec.CommandContext(ctx, w.agent, "fetch")
		cmd.Env = append(baseEnv(), agentapi.EnvJob+"="+string(data))
		return cmd, nil
	case toolCurl:
		for _, d := range []string{jars, files} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return nil, fmt.Errorf("creating the destination: %w", err)
			}
		}
		args := []string{"--parallel", "--parallel-max", strconv.Itoa(fetchParallelism), "--fail", "--silent", "--show-error"}
		for _, f := range fs.files {
			args = append(args, "-o", fs.destPath(dest, f), fs.url+"/"+f.name)
		}
		return exec.CommandContext(ctx, "curl", args...), nil
	default:
		return nil, fmt.Errorf("unknown fetch tool %q", tool)
	}
}

// fetchJob is the job of `agent fetch`: every file with its sha256 pin, at
// parallelism fetchParallelism.
func fetchJob(fs *fileSet, dest string) agentapi.Job {
	job := agentapi.Job{
		JarsDir: filepath.Join(dest, "jars"), FilesDir: filepath.Join(dest, "files"),
		Parallelism: fetchParallelism, Timeout: agentapi.Duration(fetchTimeout),
	}
	for _, f := range fs.files {
		uri := fs.url + "/" + f.name + "#sha256=" + f.sha256
		if f.jar {
			job.Jars = append(job.Jars, uri)
		} else {
			job.Files = append(job.Files, uri)
		}
	}
	return job
}

// ensureCurl installs curl with apt-get when it is missing and the bench
// runs as root.
func ensureCurl(ctx context.Context, log io.Writer) error {
	if _, err := exec.LookPath("curl"); err == nil {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("curl is missing and installing it needs root: apt-get install -y curl")
	}
	fmt.Fprintln(log, "curl is missing: installing it with apt-get")
	for _, args := range [][]string{{"update"}, {"install", "-y", "curl"}} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %v: %w\n%s", args, err, out)
		}
	}
	return nil
}
