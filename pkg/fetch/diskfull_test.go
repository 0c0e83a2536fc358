package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// mountSmallTmpfs mounts a tmpfs of size bytes on a fresh directory and
// lazily unmounts it when the test ends. It skips the test when mounting
// is not permitted (not root, or no CAP_SYS_ADMIN in this container).
func mountSmallTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, fmt.Sprintf("size=%d", size)); err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			t.Skipf("cannot mount a size-limited tmpfs to fill up (needs root with CAP_SYS_ADMIN): %v", err)
		}
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	// Registered after TempDir, so it runs before the directory is removed.
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestReliabilityDiskFull fetches, with the real fetcher process, a file
// larger than the free space of a 2 MiB tmpfs. The fetch must fail with
// exit 14 (local I/O) and a message naming the URI and saying that no space
// is left, and leave nothing partial behind: no .part, nothing at the final
// name, no manifest. The space must really be free again: a follow-up
// fetch of a file that fills most of the tmpfs succeeds.
func TestReliabilityDiskFull(t *testing.T) {
	t.Parallel()
	const diskSize = 2 << 20
	payloads := map[string][]byte{
		"small.jar": payloadFor("small.jar", 64<<10),
		"huge.jar":  payloadFor("huge.jar", 3<<20),
		"fits.jar":  payloadFor("fits.jar", diskSize*3/4),
	}
	var served atomic.Int64
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, ok := payloads[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		n, _ := w.Write(payload)
		served.Add(int64(n))
	}))
	t.Cleanup(server.Close)
	uri := func(name string) string { return server.URL + "/" + name + "#sha256=" + sha256Hex(payloads[name]) }

	rounds := scaled(1, 5)
	for round := range rounds {
		disk := mountSmallTmpfs(t, diskSize)
		job := testJob(t)
		job.JarsDir = filepath.Join(disk, "jars")
		job.Parallelism = 1
		job.Jars = []string{uri("small.jar"), uri("huge.jar")}
		child := startFetchChild(t, job)
		if code := child.wait(t); code != ExitLocalIO {
			t.Fatalf("round %d: fetcher exit code = %d, want %d (local I/O)\nstderr:\n%s", round, code, ExitLocalIO, child.stderr.String())
		}
		message := lastErrorLine(t, child.stderr.Bytes())
		if !strings.Contains(message, server.URL+"/huge.jar") || !strings.Contains(message, "no space left on device") {
			t.Errorf("round %d: error %q does not name the URI and say no space is left", round, message)
		}
		if strings.Contains(message, "sha256=") {
			t.Errorf("round %d: error %q repeats the URI fragment", round, message)
		}
		assertNotExist(t, filepath.Join(job.JarsDir, "huge.jar"))
		assertNotExist(t, filepath.Join(job.JarsDir, "huge.jar"+partSuffix))
		assertNotExist(t, job.JarsDir+"/"+agentapi.ManifestFileName)
		assertNoPartFiles(t, job.JarsDir)
		// small.jar may have been fetched before huge.jar failed (the order
		// is not fixed); if it is there, it is complete and verified.
		if small := filepath.Join(job.JarsDir, "small.jar"); fileExists(small) {
			assertFileContent(t, small, payloads["small.jar"])
		}

		var stat unix.Statfs_t
		if err := unix.Statfs(disk, &stat); err != nil {
			t.Fatal(err)
		}
		free := int64(stat.Bavail) * stat.Bsize
		if free < diskSize/2 {
			t.Errorf("round %d: only %d bytes free after the failed fetch: the partial download was not removed", round, free)
		}

		job.Jars = []string{uri("fits.jar")}
		retry := startFetchChild(t, job)
		if code := retry.wait(t); code != ExitOK {
			t.Fatalf("round %d: follow-up fetch exit code = %d, want 0\nstderr:\n%s", round, code, retry.stderr.String())
		}
		assertFileContent(t, filepath.Join(job.JarsDir, "fits.jar"), payloads["fits.jar"])
		if _, err := ReadManifest(filepath.Join(job.JarsDir, agentapi.ManifestFileName)); err != nil {
			t.Errorf("round %d: follow-up manifest: %v", round, err)
		}
		if round == rounds-1 {
			t.Logf("RELIABILITY agent fetch-disk-full: rounds=%d disk=%d file=%d served=%d free-after-failure=%d exit=%d message=%q",
				rounds, diskSize, len(payloads["huge.jar"]), served.Load(), free, ExitLocalIO, message)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// lastErrorLine returns the error of the fetcher's "fetch failed" log line.
func lastErrorLine(t *testing.T, stderr []byte) string {
	t.Helper()
	lines := bytes.Split(bytes.TrimSpace(stderr), []byte("\n"))
	var line struct {
		Msg      string `json:"msg"`
		Error    string `json:"error"`
		ExitCode int    `json:"exitCode"`
	}
	if err := json.Unmarshal(lines[len(lines)-1], &line); err != nil || line.Msg != "fetch failed" {
		t.Fatalf("last log line is not the failure (%v):\n%s", err, stderr)
	}
	return line.Error
}
