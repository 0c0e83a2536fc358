package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

func TestManifestIsWrittenLast(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("content of " + r.URL.Path))
	}))
	defer server.Close()
	job := testJob(t)
	job.Jars = []string{server.URL + "/a.jar", server.URL + "/b.jar", "local:///opt/spark/jars/spark-core.jar"}
	job.Files = []string{server.URL + "/c.xml"}
	manifestPath := filepath.Join(job.JarsDir, agentapi.ManifestFileName)

	manifest, err := runJob(t, job)
	assertExitCode(t, err, ExitOK)
	read, err := ReadManifest(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Entries) != 4 || len(manifest.Entries) != 4 {
		t.Fatalf("manifest entries = %+v", read.Entries)
	}
	manifestInfo, err := os.Stat(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range read.Entries {
		if entry.Local {
			if entry.Path != "/opt/spark/jars/spark-core.jar" || entry.SHA256 != "" || entry.Name != "spark-core.jar" {
				t.Errorf("local entry = %+v", entry)
			}
			continue
		}
		info, err := os.Stat(entry.Path)
		if err != nil {
			t.Fatal(err)
		}
		if info.ModTime().After(manifestInfo.ModTime()) {
			t.Errorf("%s written after the manifest", entry.Path)
		}
		content, _ := os.ReadFile(entry.Path)
		if entry.SHA256 != sha256Hex(content) || entry.Size != int64(len(content)) {
			t.Errorf("entry %+v does not match file", entry)
		}
	}

	// A failing re-run removes the earlier manifest: presence means success.
	job.Files = append(job.Files, server.URL+"/d.xml#sha256="+strings.Repeat("0", 64))
	_, err = runJob(t, job)
	assertExitCode(t, err, ExitIntegrity)
	if _, err := ReadManifest(manifestPath); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadManifest after failure: %v, want not-exist", err)
	}
}

func TestStalePartFilesAreRemoved(t *testing.T) {
	server := serveBytes(t, []byte("fresh"))
	job := testJob(t)
	job.Jars = []string{server.URL + "/x.jar"}
	if err := os.MkdirAll(job.JarsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(job.JarsDir, "old-leftover.jar.part")
	if err := os.WriteFile(stale, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := runJob(t, job)
	assertExitCode(t, err, ExitOK)
	assertNotExist(t, stale)
	assertFileContent(t, filepath.Join(job.JarsDir, "x.jar"), []byte("fresh"))
}

func TestErrorsAndLogsAreRedacted(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer server.Close()
	secretURI := strings.Replace(server.URL, "http://", "http://user:hunter2@", 1) + "/x.jar?token=abc123"
	job := testJob(t)
	job.MaxAttempts = 2
	job.Jars = []string{secretURI}
	jobJSON, _ := json.Marshal(job)
	t.Setenv(agentapi.EnvJob, string(jobJSON))

	var stderr bytes.Buffer
	code := Main(context.Background(), nil, &stderr)
	if code != ExitNetwork {
		t.Fatalf("Main = %d, want %d; stderr:\n%s", code, ExitNetwork, stderr.String())
	}
	logs := stderr.String()
	if strings.Contains(logs, "hunter2") || strings.Contains(logs, "abc123") {
		t.Fatalf("secret leaked into logs:\n%s", logs)
	}
	if !strings.Contains(logs, "redacted@127.0.0.1") || !strings.Contains(logs, "x.jar?redacted") {
		t.Fatalf("logs do not name the redacted URI:\n%s", logs)
	}
	if !strings.Contains(logs, "retrying") {
		t.Fatalf("retry not logged:\n%s", logs)
	}
}

func TestMainWithCAFileAndBearerToken(t *testing.T) {
	const token = "s3cr3t-token"
	server := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("secured"))
	}))
	defer server.Close()
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: server.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	authFile := filepath.Join(dir, "token")
	if err := os.WriteFile(authFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jarsDir := filepath.Join(dir, "jars")
	base := []string{"--jars-dir", jarsDir, "--jar", server.URL + "/s.jar", "--timeout", "10s"}
	t.Setenv(agentapi.EnvJob, `{"maxAttempts": 1, "progressInterval": "50ms"}`)

	run := func(extra ...string) (int, string) {
		var stderr bytes.Buffer
		code := Main(context.Background(), append(append([]string{}, base...), extra...), &stderr)
		if strings.Contains(stderr.String(), token) {
			t.Fatalf("token leaked into logs:\n%s", stderr.String())
		}
		return code, stderr.String()
	}
	if code, logs := run("--ca-file", caFile, "--auth-file", authFile); code != ExitOK {
		t.Fatalf("with CA and token: exit %d\n%s", code, logs)
	}
	assertFileContent(t, filepath.Join(jarsDir, "s.jar"), []byte("secured"))
	if code, logs := run("--auth-file", authFile); code != ExitNetwork {
		t.Fatalf("without CA: exit %d, want %d\n%s", code, ExitNetwork, logs)
	}
	if code, logs := run("--ca-file", caFile); code != ExitNetwork || !strings.Contains(logs, "401") {
		t.Fatalf("without token: exit %d, want %d with 401\n%s", code, ExitNetwork, logs)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	env := `{"jarsDir":"/env/jars","filesDir":"/env/files","jars":["https://h/env.jar"],` +
		`"files":["https://h/env.xml"],"parallelism":3,"stallTimeout":"7s","timeout":60000000000,"futureField":true}`
	job, _, err := parseArgs([]string{"--jars-dir", "/flag/jars", "--jar", "https://h/a.jar", "--jar", "https://h/b.jar",
		"--timeout", "2m", "--parallelism", "9"}, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if job.JarsDir != "/flag/jars" || job.FilesDir != "/env/files" || job.Parallelism != 9 {
		t.Errorf("dirs/parallelism = %q %q %d", job.JarsDir, job.FilesDir, job.Parallelism)
	}
	if strings.Join(job.Jars, ",") != "https://h/a.jar,https://h/b.jar" || strings.Join(job.Files, ",") != "https://h/env.xml" {
		t.Errorf("lists = %v %v", job.Jars, job.Files)
	}
	if time.Duration(job.Timeout) != 2*time.Minute || time.Duration(job.StallTimeout) != 7*time.Second {
		t.Errorf("durations = %s %s", time.Duration(job.Timeout), time.Duration(job.StallTimeout))
	}
	for _, args := range [][]string{{"--bogus"}, {"--timeout", "soon"}, {"positional"}} {
		_, _, err := parseArgs(args, "", &bytes.Buffer{})
		assertExitCode(t, err, ExitBadInput)
	}
	_, _, err = parseArgs(nil, "{not json", &bytes.Buffer{})
	assertExitCode(t, err, ExitBadInput)
	var usage bytes.Buffer
	if code := Main(context.Background(), []string{"--help"}, &usage); code != ExitOK || !strings.Contains(usage.String(), "--jars-dir") && !strings.Contains(usage.String(), "-jars-dir") {
		t.Errorf("help: exit %d, output %q", code, usage.String())
	}
}

// TestBadJobIsBadInput: a job the agent cannot run is exit 10, whatever
// else it says.
func TestBadJobIsBadInput(t *testing.T) {
	for _, bad := range []agentapi.Job{
		{JarsDir: "/j", Parallelism: -1},
		{JarsDir: "/j", FileTimeout: -1},
		{Jars: []string{"https://h/x.jar"}, FilesDir: "/f"},
		{Files: []string{"https://h/x"}, JarsDir: "/j"},
		{},
		{JarsDir: "/j", AllowedHosts: []string{"["}},
	} {
		if err := validateJob(bad.WithDefaults()); ExitCode(err) != ExitBadInput {
			t.Errorf("job %+v: %v, want exit %d", bad, err, ExitBadInput)
		}
	}
	if err := validateJob(agentapi.Job{JarsDir: "/j"}.WithDefaults()); err != nil {
		t.Errorf("the smallest job: %v", err)
	}
}

func TestProgressIsLogged(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "2")
		w.Write([]byte("a"))
		http.NewResponseController(w).Flush()
		time.Sleep(150 * time.Millisecond)
		w.Write([]byte("b"))
	}))
	defer server.Close()
	job := testJob(t)
	job.Jars = []string{server.URL + "/p.jar"}
	var logs bytes.Buffer
	_, err := Run(context.Background(), job, newTestLogger(&logs))
	assertExitCode(t, err, ExitOK)
	// Half of the declared 2 bytes have come while the server waits.
	for _, want := range []string{`"msg":"fetch progress"`, `"bytesPerSecond"`, `"filesDone"`, `"msg":"fetch complete"`,
		`"bytesTotal":2,"percent":50,"eta":`, `"bytesTotal":2,"percent":100`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s:\n%s", want, logs.String())
		}
	}
}

func TestTimeouts(t *testing.T) {
	// The server trickles a byte every 20ms: never stalled, never done.
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		for {
			if _, err := w.Write([]byte("x")); err != nil {
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
	cases := []struct {
		name     string
		tune     func(*agentapi.Job)
		wantText string
	}{
		{"per-file timeout", func(job *agentapi.Job) { job.FileTimeout = agentapi.Duration(300 * time.Millisecond) }, "per-file timeout 300ms"},
		{"overall timeout", func(job *agentapi.Job) { job.Timeout = agentapi.Duration(300 * time.Millisecond) }, "overall timeout 300ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			job := testJob(t)
			tc.tune(&job)
			job.Jars = []string{server.URL + "/slow.jar"}
			started := time.Now()
			_, err := runJob(t, job)
			assertExitCode(t, err, ExitNetwork)
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
			if elapsed := time.Since(started); elapsed > 2*time.Second {
				t.Errorf("timeout fired after %s", elapsed)
			}
			assertNotExist(t, filepath.Join(job.JarsDir, "slow.jar"))
			assertNotExist(t, filepath.Join(job.JarsDir, "slow.jar"+partSuffix))
		})
	}
}

func TestBadInputStillRemovesOldManifest(t *testing.T) {
	job := testJob(t)
	manifestPath := filepath.Join(job.JarsDir, agentapi.ManifestFileName)
	if err := os.MkdirAll(job.JarsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeManifest(manifestPath, &Manifest{Version: ManifestVersion}); err != nil {
		t.Fatal(err)
	}
	job.Jars = []string{"ftp://host/x.jar"}
	_, err := runJob(t, job)
	assertExitCode(t, err, ExitBadInput)
	if !strings.Contains(err.Error(), `"ftp"`) {
		t.Errorf("error %q does not name the scheme", err)
	}
	assertNotExist(t, manifestPath)
}

// TestEveryFailureIsReported: a dependency that fails does not stop the
// others, and one run reports every failure, in list order, with the exit
// code of the first: each mistake costs one pod restart, not one each.
func TestEveryFailureIsReported(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing.jar" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("content of " + r.URL.Path))
	}))
	defer server.Close()
	job := testJob(t)
	job.Parallelism = 1 // the failures come one after another
	job.MaxAttempts = 1
	job.Jars = []string{server.URL + "/a.jar#sha256=" + strings.Repeat("0", 64), server.URL + "/missing.jar", server.URL + "/good.jar"}
	_, err := runJob(t, job)
	assertExitCode(t, err, ExitIntegrity)
	msg := err.Error()
	first, second := strings.Index(msg, "/a.jar"), strings.Index(msg, "/missing.jar")
	if first < 0 || second < 0 || second < first {
		t.Errorf("error %q, want both failures, a.jar's first", msg)
	}
	assertFileContent(t, filepath.Join(job.JarsDir, "good.jar"), []byte("content of /good.jar"))
}
