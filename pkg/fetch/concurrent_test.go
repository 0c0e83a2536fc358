package fetch

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// TestReliabilityConcurrentFetchers starts several real fetcher processes
// on the same directories with the same job at once, against a server
// that trickles the bodies so that their downloads would overlap. While
// they run, a watcher checks that every file at its final name is always
// complete and verified; when all have exited, every file must be complete,
// the manifest valid, no .part left, and every fetcher must have exited 0
// (concurrent fetchers serialize on the directory lock, see doc.go).
//
// Regression test: fetchers used to delete each other's .part files at
// startup and truncate and rename each other's downloads, so a file could
// appear at its final name incomplete, and fetchers failed with exit 14.
func TestReliabilityConcurrentFetchers(t *testing.T) {
	t.Parallel()
	fetchers := scaled(4, 8)
	rounds := scaled(1, 3)
	const files = 3
	payloads := map[string][]byte{}
	for i := range files {
		name := fmt.Sprintf("shared-%d.jar", i)
		payloads[name] = payloadFor(name, 256<<10+i*1000)
	}
	var requests, served atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		payload, ok := payloads[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		for offset := 0; offset < len(payload); offset += 32 << 10 {
			n, err := w.Write(payload[offset:min(offset+32<<10, len(payload))])
			served.Add(int64(n))
			if err != nil {
				return
			}
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}))
	t.Cleanup(server.Close)

	job := testJob(t)
	job.Timeout = agentapi.Duration(40 * time.Second)
	job.Parallelism = files
	for name, payload := range payloads {
		job.Jars = append(job.Jars, server.URL+"/"+name+"#sha256="+sha256Hex(payload))
	}
	var succeeded, waited, observations int
	var maxElapsed time.Duration
	for round := range rounds {
		stopWatch := make(chan struct{})
		var watcher sync.WaitGroup
		var seen atomic.Int64
		watcher.Go(func() { seen.Store(int64(watchFinalFiles(t, job.JarsDir, payloads, stopWatch))) })

		children := make([]*fetchChild, fetchers)
		for i := range children {
			children[i] = startFetchChild(t, job)
		}
		for i, child := range children {
			code := child.wait(t)
			if child.logLines("another fetcher is working in this directory, waiting for it") > 0 {
				waited++
			}
			maxElapsed = max(maxElapsed, time.Since(child.started))
			if code != ExitOK {
				t.Errorf("round %d: fetcher %d exit code = %d, want 0\nstderr:\n%s", round, i, code, child.stderr.String())
				continue
			}
			succeeded++
		}
		close(stopWatch)
		watcher.Wait()
		observations += int(seen.Load())
		if t.Failed() {
			t.FailNow()
		}
		assertJobDone(t, job, payloads)
	}
	t.Logf("RELIABILITY agent fetch-concurrent: fetchers=%d rounds=%d succeeded=%d waited-for-lock=%d files=%d requests=%d served=%d final-file-checks=%d slowest=%s",
		fetchers, rounds, succeeded, waited, files*fetchers*rounds, requests.Load(), served.Load(), observations, maxElapsed.Round(time.Millisecond))
}

// watchFinalFiles reads every final file of payloads in dir until stop is
// closed and reports any that is not byte for byte what was served. It
// returns how many times a final file was read.
func watchFinalFiles(t *testing.T, dir string, payloads map[string][]byte, stop <-chan struct{}) int {
	reads := 0
	ticker := time.NewTicker(15 * time.Millisecond)
	defer ticker.Stop()
	for {
		for name, payload := range payloads {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue // not there yet (or being replaced)
			}
			reads++
			if !bytes.Equal(data, payload) {
				t.Errorf("%s seen at its final name with %d bytes, want the %d verified bytes", name, len(data), len(payload))
				return reads
			}
		}
		select {
		case <-stop:
			return reads
		case <-ticker.C:
		}
	}
}

// TestLockWaitIsBoundedByTimeout: a fetcher waiting for another one's
// directory lock gives up when the overall timeout elapses (exit 11), and
// touches nothing meanwhile.
func TestLockWaitIsBoundedByTimeout(t *testing.T) {
	job := testJob(t)
	job.Timeout = agentapi.Duration(300 * time.Millisecond)
	job.Jars = []string{"http://127.0.0.1:1/never.jar"}
	if err := os.MkdirAll(job.JarsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(job.JarsDir, "other.jar"+partSuffix)
	if err := os.WriteFile(stale, []byte("another fetcher's download"), 0o644); err != nil {
		t.Fatal(err)
	}
	holder, err := os.Open(job.JarsDir)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := unix.Flock(int(holder.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	_, err = runJob(t, job)
	assertExitCode(t, err, ExitNetwork)
	if !strings.Contains(err.Error(), "waiting for another fetcher") || !strings.Contains(err.Error(), "overall timeout") {
		t.Errorf("error %q does not say it timed out waiting for another fetcher", err)
	}
	if elapsed := time.Since(started); elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("gave up after %s, want about the 300ms timeout", elapsed)
	}
	assertFileContent(t, stale, []byte("another fetcher's download"))
}
