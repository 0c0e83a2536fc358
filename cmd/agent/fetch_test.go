package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

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
