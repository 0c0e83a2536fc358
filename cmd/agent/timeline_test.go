package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/fetch"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
	"github.com/stagehand-k8s/stagehand/pkg/timeline"
	"github.com/stagehand-k8s/stagehand/pkg/timeline/timelinetest"
)

const atsSecret = "process-level-ats-secret"

// reporting is an agent environment that reports to srv.
type reporting struct {
	srv   *timelinetest.Server
	spool string
	env   []string
}

func newReporting(t *testing.T, srv *timelinetest.Server, extra ...string) *reporting {
	t.Helper()
	spool := t.TempDir()
	env := []string{
		"STAGEHAND_TIMELINE_URL=" + srv.URL, "ATS_SECRET_KEY=" + atsSecret,
		"STAGEHAND_POD_NAMESPACE=hivemr3", "STAGEHAND_POD_NAME=worker-1", "STAGEHAND_NODE_NAME=node-a",
		"STAGEHAND_CONTAINER_NAME=mr3-worker", "STAGEHAND_CONTAINER_IMAGE=mr3project/hive:4.0.0",
		"STAGEHAND_SPOOL_DIR=" + spool,
	}
	return &reporting{srv: srv, spool: spool, env: append(env, extra...)}
}

// run starts the agent binary and returns its exit code, stderr and how
// long it ran.
func (r *reporting) run(t *testing.T, args ...string) (code int, stderr string, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, agentBin, args...)
	cmd.Env = append(os.Environ(), supervise.TerminationLogEnv+"="+filepath.Join(t.TempDir(), "termination-log"))
	cmd.Env = append(cmd.Env, r.env...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	cmd.WaitDelay = 3 * time.Second
	begin := time.Now()
	err := cmd.Run()
	took = time.Since(begin)
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("agent %q: %v\nstderr: %s", args, err, errOut.String())
	}
	t.Logf("agent %q: exit %d in %s\n%s", args, cmd.ProcessState.ExitCode(), took, errOut.String())
	return cmd.ProcessState.ExitCode(), errOut.String(), took
}

// checkNoSecrets fails when the secret or its token show in the agent's
// stderr or in anything the server received.
func (r *reporting) checkNoSecrets(t *testing.T, stderr string) {
	t.Helper()
	token := timeline.DelegationToken(atsSecret)
	texts := []string{stderr}
	for _, b := range r.srv.Bodies() {
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		if strings.Contains(s, atsSecret) || strings.Contains(s, token) {
			t.Errorf("the ATS secret or its token leaked: %s", s)
		}
	}
}

func types(e timeline.Entity) []string {
	var out []string
	for _, ev := range e.Events {
		out = append(out, ev.Type)
	}
	return out
}

func TestRunReportsItsLifecycle(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	r := newReporting(t, srv)
	// (The secret itself is not put in the arguments: supervise logs them
	// verbatim in its "task started" line.)
	code, stderr, _ := r.run(t, "run", "--", "/bin/sh", "-c", "exit 42", "sh", "--db-password=hunter2")
	if code != 42 {
		t.Fatalf("exit code %d, want the task's 42", code)
	}
	e, ok := srv.Entity("hivemr3/worker-1/mr3-worker/0")
	if !ok {
		t.Fatalf("no entity; stored %+v", srv.Entities())
	}
	if got := types(e); !reflect.DeepEqual(got, []string{"TASK_STARTED", "TASK_FINISHED"}) {
		t.Errorf("events %v, want TASK_STARTED, TASK_FINISHED", got)
	}
	if _, _, events := srv.Stats(); events != 2 {
		t.Errorf("the server received %d events, want each exactly once", events)
	}
	if got := e.Events[1].Info["exitCode"]; got != float64(42) {
		t.Errorf("TASK_FINISHED exit code %v, want 42", got)
	}
	if e.OtherInfo["version"] != "v9.9.9-test" || e.PrimaryFilters["node"][0] != "node-a" {
		t.Errorf("entity %+v lacks the version or node", e)
	}
	for _, b := range srv.Bodies() {
		if bytes.Contains(b, []byte("hunter2")) || !bytes.Contains(b, []byte(`--db-password=[redacted]`)) {
			t.Errorf("the reported command is not redacted: %s", b)
		}
	}
	r.checkNoSecrets(t, stderr)
}

func TestRunReportsTimeoutAsKilled(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	r := newReporting(t, srv)
	code, _, _ := r.run(t, "run", "--timeout", "200ms", "--grace", "2s", "--", "sleep", "30")
	if code != supervise.ExitTimeout {
		t.Fatalf("exit code %d, want %d", code, supervise.ExitTimeout)
	}
	e, _ := srv.Entity("hivemr3/worker-1/mr3-worker/0")
	if got := types(e); !reflect.DeepEqual(got, []string{"TASK_STARTED", "TASK_KILLED", "TASK_FINISHED"}) {
		t.Errorf("events %v", got)
	}
}

func TestServerDownThenNextStartDelivers(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	srv.SetFailure(timelinetest.Failure{Reset: true})
	r := newReporting(t, srv, "STAGEHAND_TIMELINE_FLUSH_TIMEOUT=300ms")
	code, stderr, took := r.run(t, "run", "--", "/bin/sh", "-c", "exit 3")
	if code != 3 || took > 3*time.Second {
		t.Fatalf("with the server down: exit %d after %s, want 3 promptly", code, took)
	}
	if !strings.Contains(stderr, "stay in the spool") {
		t.Errorf("stderr does not say the events were kept:\n%s", stderr)
	}
	srv.SetFailure(timelinetest.Failure{})
	if code, _, _ := r.run(t, "run", "--", "true"); code != 0 {
		t.Fatalf("second run exit %d", code)
	}
	first, _ := srv.Entity("hivemr3/worker-1/mr3-worker/0")
	if got := types(first); !reflect.DeepEqual(got, []string{"TASK_STARTED", "TASK_FINISHED"}) {
		t.Errorf("the first run's events %v, want both delivered by the second start", got)
	}
	if _, ok := srv.Entity("hivemr3/worker-1/mr3-worker/1"); !ok {
		t.Error("the second run is not reported under restart count 1")
	}
}

func TestWrongSecretDoesNotChangeTheTask(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: "the-server-has-another-secret"})
	r := newReporting(t, srv)
	code, stderr, _ := r.run(t, "run", "--", "/bin/sh", "-c", "echo working >&2; exit 5")
	if code != 5 || !strings.Contains(stderr, "working") {
		t.Fatalf("exit %d, want the task's 5 after it ran", code)
	}
	if !strings.Contains(stderr, "rejected the delegation token derived from ATS_SECRET_KEY: check the secret") {
		t.Errorf("no clear error about the secret in the agent's log:\n%s", stderr)
	}
	r.checkNoSecrets(t, stderr)
}

func TestHangingServerDelaysNeitherStartNorExit(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	srv.SetFailure(timelinetest.Failure{Hang: true})
	// The 5s flush timeout is capped at half the 1s grace period.
	r := newReporting(t, srv, "STAGEHAND_TIMELINE_FLUSH_TIMEOUT=5s")
	marker := filepath.Join(t.TempDir(), "started")
	begin := time.Now()
	code, _, took := r.run(t, "run", "--grace", "1s", "--", "/bin/sh", "-c", "date +%s%N > "+marker+"; exit 9")
	if code != 9 {
		t.Fatalf("exit %d, want the task's 9", code)
	}
	if took > 2500*time.Millisecond {
		t.Errorf("the agent took %s with a hanging server; the flush is bounded by grace/2 = 500ms", took)
	}
	data, err := os.ReadFile(marker)
	if err != nil {
		t.Fatal(err)
	}
	var ns int64
	if err := json.Unmarshal(bytes.TrimSpace(data), &ns); err != nil {
		t.Fatal(err)
	}
	if startDelay := time.Unix(0, ns).Sub(begin); startDelay > time.Second {
		t.Errorf("the task started %s after the agent", startDelay)
	}
}

func TestFetchReports(t *testing.T) {
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	r := newReporting(t, srv, "STAGEHAND_CONTAINER_NAME=stagehand-fetch")
	dir := t.TempDir()
	code, stderr, _ := r.run(t, "fetch", "--jars-dir", dir, "--files-dir", dir, "--jar", "ftp://example.com/x.jar")
	if code != fetch.ExitBadInput {
		t.Fatalf("exit %d, want %d", code, fetch.ExitBadInput)
	}
	e, _ := srv.Entity("hivemr3/worker-1/stagehand-fetch/0")
	if got := types(e); !reflect.DeepEqual(got, []string{"FETCH_STARTED", "FETCH_FINISHED"}) {
		t.Fatalf("events %v", got)
	}
	info := e.Events[1].Info
	if info["exitCode"] != float64(fetch.ExitBadInput) || info["files"] != float64(0) || info["durationMs"] == nil {
		t.Errorf("FETCH_FINISHED info %v", info)
	}
	r.checkNoSecrets(t, stderr)
}

// TestFetchReportsProgressAndSummary: `agent fetch` reports FETCH_PROGRESS
// events with the bytes, the total, the share done and the dependencies
// by state while a download trickles in, and FETCH_FINISHED with the
// summary of the termination message: each dependency's state, and the
// failed one's error with its URI redacted.
func TestFetchReportsProgressAndSummary(t *testing.T) {
	const size = 1000
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow.jar":
			w.Header().Set("Content-Length", strconv.Itoa(size))
			w.Write(bytes.Repeat([]byte("a"), size/2))
			http.NewResponseController(w).Flush()
			select { // many progress intervals at 50%
			case <-time.After(600 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
			w.Write(bytes.Repeat([]byte("b"), size/2))
		default:
			http.NotFound(w, r)
		}
	}))
	defer server.Close()
	srv := timelinetest.New(t, timelinetest.Options{Secret: atsSecret})
	r := newReporting(t, srv, "STAGEHAND_CONTAINER_NAME=stagehand-fetch", "STAGEHAND_TIMELINE_PROGRESS_INTERVAL=50ms")
	dir := t.TempDir()
	secretURL := strings.Replace(server.URL, "http://", "http://user:hunter2@", 1) + "/missing.jar?sig=s1gnature"
	code, stderr, _ := r.run(t, "fetch", "--jars-dir", dir, "--jar", server.URL+"/slow.jar", "--jar", secretURL, "--timeout", "10s")
	if code != fetch.ExitNetwork {
		t.Fatalf("exit %d, want %d", code, fetch.ExitNetwork)
	}
	e, ok := srv.Entity("hivemr3/worker-1/stagehand-fetch/0")
	if !ok {
		t.Fatalf("no entity; stored %+v", srv.Entities())
	}
	var progress, finished map[string]any
	for _, ev := range e.Events {
		switch ev.Type {
		case timeline.EventFetchProgress:
			if ev.Info["percent"] == float64(50) && progress == nil {
				progress = ev.Info
			}
		case timeline.EventFetchFinished:
			finished = ev.Info
		}
	}
	if progress == nil {
		t.Fatalf("no FETCH_PROGRESS at 50%%: %v", types(e))
	}
	states, _ := progress["states"].(map[string]any)
	active, _ := progress["active"].([]any)
	if progress["bytes"] != float64(size/2) || progress["bytesTotal"] != float64(size) || progress["etaMs"] == nil ||
		progress["bytesPerSecond"] == nil || progress["elapsedMs"] == nil || states["fetching"] != float64(1) || len(active) != 1 {
		t.Errorf("FETCH_PROGRESS info %v", progress)
	}
	if finished == nil {
		t.Fatalf("no FETCH_FINISHED: %v", types(e))
	}
	items, _ := finished["items"].([]any)
	if finished["reason"] != "NetworkError" || finished["failed"] != float64(1) || finished["dependencies"] != float64(2) ||
		finished["bytes"] != float64(size) || len(items) != 2 {
		t.Fatalf("FETCH_FINISHED info %v", finished)
	}
	first, _ := items[0].(map[string]any)
	second, _ := items[1].(map[string]any)
	if first["name"] != "missing.jar" || first["state"] != "failed" || !strings.Contains(fmt.Sprint(first["error"]), "missing.jar?redacted") {
		t.Errorf("first item %v, want the failure", first)
	}
	if second["name"] != "slow.jar" || second["state"] != "placed" || second["bytes"] != float64(size) {
		t.Errorf("second item %v, want slow.jar placed", second)
	}
	for _, b := range srv.Bodies() {
		if bytes.Contains(b, []byte("hunter2")) || bytes.Contains(b, []byte("s1gnature")) {
			t.Errorf("a dependency's credentials reached the Timeline Server: %s", b)
		}
	}
	r.checkNoSecrets(t, stderr)
}
