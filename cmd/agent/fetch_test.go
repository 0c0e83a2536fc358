package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// TestFetchAllowedHosts: `agent fetch --allowed-hosts` reaches the fetcher:
// a dependency outside the allowlist is bad input before any request (a
// connection refused at dial time would exit 11). Only loopback is named.
func TestFetchAllowedHosts(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--allowed-hosts", "*.example.com", "--jars-dir", dir, "--jar", "http://127.0.0.1:1/x.jar"}, fetch.ExitBadInput},
		{[]string{"--allowed-hosts", "https://bad", "--jars-dir", dir, "--jar", "http://127.0.0.1:1/x.jar"}, fetch.ExitBadInput},
		{[]string{"--allowed-hosts", "127.0.0.1", "--jars-dir", dir, "--jar", "http://127.0.0.1:1/x.jar", "--timeout", "5s"}, fetch.ExitNetwork},
	} {
		if code, _, _ := agent(t, append([]string{"fetch"}, tc.args...)...); code != tc.want {
			t.Errorf("agent fetch %q = %d, want %d", tc.args, code, tc.want)
		}
	}
}

// TestFetchTerminationMessage: the agent binary's `agent fetch` leaves a
// termination message at $STAGEHAND_TERMINATION_LOG that names each
// dependency with its state, the failed one first with why, its URI
// redacted as in the logs.
func TestFetchTerminationMessage(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing.jar" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("content of " + r.URL.Path))
	}))
	defer server.Close()
	secretURL := strings.Replace(server.URL, "http://", "http://user:hunter2@", 1) + "/missing.jar?sig=s1gnature"
	dir := t.TempDir()
	code, _, termLog := agent(t, "fetch", "--jars-dir", dir, "--jar", server.URL+"/ok.jar", "--jar", secretURL, "--timeout", "10s")
	if code != fetch.ExitNetwork {
		t.Fatalf("agent fetch = %d, want %d", code, fetch.ExitNetwork)
	}
	data, err := os.ReadFile(termLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) >= termination.MaxBytes || strings.Contains(string(data), "hunter2") || strings.Contains(string(data), "s1gnature") {
		t.Errorf("termination message (%d bytes) too long or not redacted: %s", len(data), data)
	}
	var m termination.Fetch
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("termination message %q: %v", data, err)
	}
	if m.Component != termination.FetchComponent || m.ExitCode != fetch.ExitNetwork || m.Reason != "NetworkError" ||
		m.Dependencies != 2 || m.Failed != 1 || len(m.Items) != 2 {
		t.Fatalf("termination message %s", data)
	}
	failed, ok := m.Items[0], m.Items[1]
	if failed.Name != "missing.jar" || failed.State != termination.StateFailed ||
		!strings.Contains(failed.Error, "redacted@127.0.0.1") || !strings.Contains(failed.Error, "missing.jar?redacted") || !strings.Contains(failed.Error, "404") {
		t.Errorf("failed item %+v", failed)
	}
	if ok.Name != "ok.jar" || ok.State != termination.StatePlaced || ok.Bytes != int64(len("content of /ok.jar")) || len(ok.SHA256) != termination.SHA256PrefixLength {
		t.Errorf("placed item %+v", ok)
	}
}

// TestFetchTerminationMessageOnSIGTERM: a fetch stopped by SIGTERM (the
// pod deleted while it runs) still leaves its termination message, the
// interrupted dependency failed and the one not started skipped.
func TestFetchTerminationMessageOnSIGTERM(t *testing.T) {
	started := make(chan struct{}, 1)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		if r.Method == http.MethodHead {
			return
		}
		w.Write([]byte("x"))
		http.NewResponseController(w).Flush()
		select {
		case started <- struct{}{}:
		default:
		}
		<-r.Context().Done() // never finishes
	}))
	defer server.Close()
	termLog := filepath.Join(t.TempDir(), "termination-log")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, agentBin, "fetch", "--jars-dir", t.TempDir(), "--parallelism", "1",
		"--jar", server.URL+"/hangs.jar", "--jar", server.URL+"/later.jar")
	cmd.Env = append(os.Environ(), termination.EnvPath+"="+termLog)
	cmd.WaitDelay = 3 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("the download never started")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != fetch.ExitNetwork {
		t.Errorf("exit %d after SIGTERM, want %d", code, fetch.ExitNetwork)
	}
	data, err := os.ReadFile(termLog)
	if err != nil {
		t.Fatalf("no termination message after SIGTERM: %v", err)
	}
	var m termination.Fetch
	if err := json.Unmarshal(data, &m); err != nil || len(m.Items) != 2 {
		t.Fatalf("termination message %q: %v", data, err)
	}
	if m.Items[0].Name != "hangs.jar" || m.Items[0].State != termination.StateFailed || !strings.Contains(m.Items[0].Error, "signal") ||
		m.Items[1].Name != "later.jar" || m.Items[1].State != termination.StateSkipped {
		t.Errorf("termination message %s, want hangs.jar failed by the signal, later.jar skipped", data)
	}
}
