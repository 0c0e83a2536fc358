package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/install"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

// depServer serves dependencies on loopback; with a token, only to its
// bearer. requests counts what it was asked.
type depServer struct {
	*httptest.Server
	requests atomic.Int32
}

func newDepServer(t *testing.T, token string, files map[string]string) *depServer {
	t.Helper()
	s := &depServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(s.Close)
	return s
}

// TestInitInstallsThenFetches: one `agent init` installs the agent and
// fetches into its directory's jars and files, the manifest among the
// jars, and takes the bearer token from the secrets directory because it is
// there: the server answers only its bearer.
func TestInitInstallsThenFetches(t *testing.T) {
	srv := newDepServer(t, "s3cret", map[string]string{"/a.jar": "jar bytes", "/conf.txt": "conf"})
	dir, secrets := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(secrets, agentapi.TokenFileName), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, _ := agent(t, "init", "--dir", dir, "--secrets-dir="+secrets,
		"--jar="+srv.URL+"/a.jar", "--file", srv.URL+"/conf.txt", "--allowed-hosts=127.0.0.1", "--install")
	if code != 0 {
		t.Fatalf("agent init = %d, want 0", code)
	}
	for path, want := range map[string]string{"jars/a.jar": "jar bytes", "files/conf.txt": "conf"} {
		if got, err := os.ReadFile(filepath.Join(dir, path)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := fetch.ReadManifest(filepath.Join(dir, "jars", agentapi.ManifestFileName)); err != nil {
		t.Errorf("the manifest: %v", err)
	}
	out, err := exec.Command(filepath.Join(dir, "bin", "agent"), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "v9.9.9-test") {
		t.Errorf("installed agent version = %q, %v", out, err)
	}

	// Without the token in the secrets directory, the server refuses.
	code, _, _ = agent(t, "init", "--dir", t.TempDir(), "--secrets-dir", t.TempDir(),
		"--jar="+srv.URL+"/a.jar", "--allowed-hosts=127.0.0.1")
	if code != fetch.ExitNetwork {
		t.Errorf("agent init without the token = %d, want %d", code, fetch.ExitNetwork)
	}
}

// TestInitInstallFailureStopsBeforeFetching: an install that fails exits
// with install's code before any request.
func TestInitInstallFailureStopsBeforeFetching(t *testing.T) {
	srv := newDepServer(t, "", map[string]string{"/a.jar": "jar"})
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, _ := agent(t, "init", "--install", "--dir", notADir, "--jar="+srv.URL+"/a.jar", "--allowed-hosts=127.0.0.1")
	if code != install.ExitLocalIO || srv.requests.Load() != 0 {
		t.Errorf("agent init with an unwritable dir = %d after %d requests, want %d after none", code, srv.requests.Load(), install.ExitLocalIO)
	}
}

// TestInitLimits: the dependencies' byte limit bounds each file too, and
// the fetch stops beyond it.
func TestInitLimits(t *testing.T) {
	srv := newDepServer(t, "", map[string]string{"/a.jar": "0123456789"})
	code, _, _ := agent(t, "init", "--dir", t.TempDir(), "--secrets-dir", t.TempDir(),
		"--jar="+srv.URL+"/a.jar", "--allowed-hosts=127.0.0.1", "--max-total-bytes=5")
	if code != fetch.ExitSizeLimit {
		t.Errorf("agent init with a 10-byte jar over 5 bytes = %d, want %d", code, fetch.ExitSizeLimit)
	}
}

func TestInitBadInput(t *testing.T) {
	for _, args := range [][]string{{}, {"--install=maybe"}, {"extra"}, {"--dir"}} {
		if code, _, _ := agent(t, append([]string{"init"}, args...)...); code != fetch.ExitBadInput {
			t.Errorf("agent init %q = %d, want %d", args, code, fetch.ExitBadInput)
		}
	}
}

// TestInitReportsUnderItsName: without STAGEHAND_CONTAINER_NAME and
// STAGEHAND_SPOOL_DIR, which the webhook no longer sets in the init
// container, the fetch reports as stagehand-init and spools in DIR/spool.
func TestInitReportsUnderItsName(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	r := newReporting(t, srv)
	r.env = slices.DeleteFunc(r.env, func(kv string) bool {
		return strings.HasPrefix(kv, agentapi.EnvContainerName+"=") || strings.HasPrefix(kv, agentapi.EnvSpoolDir+"=")
	})
	dir := t.TempDir()
	code, _, _ := r.run(t, "init", "--dir", dir, "--secrets-dir", t.TempDir(), "--jar", "ftp://example.com/x.jar")
	if code != fetch.ExitBadInput {
		t.Fatalf("exit %d, want %d", code, fetch.ExitBadInput)
	}
	e, ok := srv.Entity("hivemr3/worker-1/" + agentapi.InitContainer + "/0")
	if got := types(e); !ok || !slices.Equal(got, []string{timeline.EventFetchStarted, timeline.EventFetchFinished}) {
		t.Fatalf("entity of %s: %v, %v; the server has %+v", agentapi.InitContainer, ok, got, srv.Entities())
	}
	if _, err := os.Stat(filepath.Join(dir, "spool")); err != nil {
		t.Errorf("no spool in the init container's directory: %v", err)
	}
}
