package fetch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// TestKilledMidDownloadLeavesOnlyPart runs the fetcher as a child process
// (the test binary re-executed, see TestMain), SIGKILLs it while a large
// body trickles in, and checks that nothing ever appeared at the final name.
// A re-run must remove the stale .part and succeed.
func TestKilledMidDownloadLeavesOnlyPart(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	var slow atomic.Bool
	slow.Store(true)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(payload)))
		if !slow.Load() {
			w.Write(payload)
			return
		}
		for offset := 0; offset < len(payload); offset += 8 << 10 {
			if _, err := w.Write(payload[offset : offset+8<<10]); err != nil {
				return
			}
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
	defer server.Close()

	job := testJob(t)
	job.Jars = []string{server.URL + "/big.jar#sha256=" + sha256Hex(payload)}
	jobJSON, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(job.JarsDir, "big.jar")
	part := final + partSuffix

	child := exec.Command(os.Args[0])
	child.Env = append(os.Environ(), childProcessEnv+"=1", agentapi.EnvJob+"="+string(jobJSON))
	var childStderr bytes.Buffer
	child.Stderr = &childStderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		assertNotExist(t, final)
		if info, err := os.Stat(part); err == nil && info.Size() >= 64<<10 {
			break
		}
		if time.Now().After(deadline) {
			child.Process.Kill()
			child.Wait()
			t.Fatalf("download never progressed; child stderr:\n%s", childStderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := child.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = child.Wait()

	assertNotExist(t, final)
	assertNotExist(t, filepath.Join(job.JarsDir, agentapi.ManifestFileName))
	if info, err := os.Stat(part); err != nil || info.Size() >= int64(len(payload)) {
		t.Fatalf("want a partial .part after SIGKILL, got info=%v err=%v", info, err)
	}

	slow.Store(false)
	manifest, err := runJob(t, job)
	assertExitCode(t, err, ExitOK)
	assertNotExist(t, part)
	assertFileContent(t, final, payload)
	if len(manifest.Entries) != 1 || manifest.Entries[0].SHA256 != sha256Hex(payload) {
		t.Fatalf("manifest = %+v", manifest)
	}
}

// TestMainChildProcessExitCode checks the re-exec path end to end: flags,
// JSON logs and the exit code of a bad-input run.
func TestMainChildProcessExitCode(t *testing.T) {
	child := exec.Command(os.Args[0], "--jars-dir", t.TempDir(), "--jar", "ftp://example.invalid/x.jar")
	child.Env = append(os.Environ(), childProcessEnv+"=1", agentapi.EnvJob+"=")
	var stderr bytes.Buffer
	child.Stderr = &stderr
	err := child.Run()
	exitErr, ok := err.(*exec.ExitError)
	if !ok || exitErr.ExitCode() != ExitBadInput {
		t.Fatalf("child err = %v, want exit %d; stderr:\n%s", err, ExitBadInput, stderr.String())
	}
	var line struct {
		Level    string `json:"level"`
		Error    string `json:"error"`
		ExitCode int    `json:"exitCode"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stderr.Bytes()), &line); err != nil {
		t.Fatalf("stderr is not one JSON line: %v\n%s", err, stderr.String())
	}
	if line.Level != "ERROR" || line.ExitCode != ExitBadInput {
		t.Fatalf("log line = %+v", line)
	}
}
