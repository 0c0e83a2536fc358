package fetch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/termination"
)

// The tests of this file run `agent fetch` as a process (the test binary
// re-executed, see TestMain) and read the termination message it leaves.

// fetchProcess runs a fetcher process for job with args, its termination
// log at a path of its own given by the environment, and returns its exit
// code, stderr and the termination log's bytes (none when it was not
// written).
func fetchProcess(t *testing.T, job agentapi.Job, args ...string) (code int, stderr string, termLog []byte) {
	t.Helper()
	jobJSON, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "termination-log")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	child := exec.CommandContext(ctx, os.Args[0], args...)
	child.Env = append(os.Environ(), childProcessEnv+"=1", agentapi.EnvJob+"="+string(jobJSON), termination.EnvPath+"="+path)
	var out bytes.Buffer
	child.Stderr = &out
	child.WaitDelay = 3 * time.Second
	_ = child.Run()
	if child.ProcessState == nil || child.ProcessState.ExitCode() < 0 {
		t.Fatalf("fetcher did not exit: %v\n%s", child.ProcessState, out.String())
	}
	termLog, err = os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return child.ProcessState.ExitCode(), out.String(), termLog
}

// decodeFetchMessage decodes a termination message strictly and checks
// its bound and its component.
func decodeFetchMessage(t *testing.T, data []byte) termination.Fetch {
	t.Helper()
	if len(data) >= termination.MaxBytes {
		t.Errorf("termination message is %d bytes, want < %d", len(data), termination.MaxBytes)
	}
	var m termination.Fetch
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&m); err != nil {
		t.Fatalf("termination message %q: %v", data, err)
	}
	if m.Component != termination.FetchComponent {
		t.Errorf("component %q, want %q", m.Component, termination.FetchComponent)
	}
	return m
}

func TestTerminationMessageOfASuccess(t *testing.T) {
	archive := buildTarGz(t, []archiveEntry{{name: "conf/a.xml", content: "<a/>"}})
	bodies := map[string][]byte{"/a.jar": []byte("jar a"), "/b.jar": []byte("jar bb"), "/c.xml": []byte("<c/>"), "/d.tgz": archive}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bodies[r.URL.Path])
	}))
	defer server.Close()
	job := testJob(t)
	job.Jars = []string{server.URL + "/a.jar#sha256=" + sha256Hex(bodies["/a.jar"]), server.URL + "/b.jar", "local:///opt/x/l.jar"}
	job.Files = []string{server.URL + "/c.xml"}
	job.Archives = []string{server.URL + "/d.tgz"}
	code, stderr, data := fetchProcess(t, job)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	m := decodeFetchMessage(t, data)
	if m.ExitCode != 0 || m.Reason != "Completed" || m.Dependencies != 5 || m.Failed != 0 || m.Truncated {
		t.Errorf("termination message %s", data)
	}
	if !strings.Contains(m.Message, "5 dependencies in place (4 downloaded, 1 local)") {
		t.Errorf("message %q", m.Message)
	}
	want := []struct {
		name, kind, state string
		body              []byte
		pinned            bool
	}{
		{"a.jar", "jar", termination.StatePlaced, bodies["/a.jar"], true},
		{"b.jar", "jar", termination.StatePlaced, bodies["/b.jar"], false},
		{"l.jar", "jar", termination.StateLocal, nil, false},
		{"c.xml", "file", termination.StatePlaced, bodies["/c.xml"], false},
		{"d.tgz", "archive", termination.StateExtracted, archive, false},
	}
	if len(m.Items) != len(want) {
		t.Fatalf("items %+v, want %d", m.Items, len(want))
	}
	var total int64
	for i, w := range want {
		got := m.Items[i]
		if got.Name != w.name || got.Kind != w.kind || got.State != w.state || got.Pinned != w.pinned ||
			got.Bytes != int64(len(w.body)) || got.Error != "" {
			t.Errorf("item %d = %+v, want %s %s %s of %d bytes, pinned %v", i, got, w.kind, w.name, w.state, len(w.body), w.pinned)
		}
		if w.body != nil && (got.SHA256 != sha256Hex(w.body)[:termination.SHA256PrefixLength] || got.Seconds <= 0) {
			t.Errorf("item %s: sha256 %q, %gs; want %s... and a duration", w.name, got.SHA256, got.Seconds, sha256Hex(w.body)[:12])
		}
		total += int64(len(w.body))
	}
	if m.Bytes != total {
		t.Errorf("bytes %d, want %d", m.Bytes, total)
	}
}

// echoAuthServer answers every request with 404 and a reason phrase that
// repeats the request's Authorization header, as a careless server might:
// the token must still appear nowhere.
func echoAuthServer(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	go func() {
		for {
			conn, err := listener.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				request, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				fmt.Fprintf(conn, "HTTP/1.1 404 Not Found for %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", request.Header.Get("Authorization"))
			}()
		}
	}()
	return "http://" + listener.Addr().String()
}

// TestTerminationMessageOfFailures: the failed dependencies come first,
// each with its reason, their URIs redacted as in the logs, and neither the
// URIs' credentials nor the bearer token appear in the message or the
// logs, even from a server that echoes the Authorization header (the
// bearer token, or the Basic credentials of the URI's userinfo when there
// is no token) in its reason phrase.
func TestTerminationMessageOfFailures(t *testing.T) {
	const token = "bearer-t0ken-value"
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("content of " + r.URL.Path))
	}))
	defer server.Close()
	echo := echoAuthServer(t)
	authFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(authFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	basic := base64.StdEncoding.EncodeToString([]byte("user:hunter2"))
	for _, auth := range []string{authFile, ""} {
		job := testJob(t)
		job.MaxAttempts = 1
		job.AuthFile = auth
		job.Jars = []string{
			server.URL + "/good.jar",
			strings.Replace(echo, "http://", "http://user:hunter2@", 1) + "/secret.jar?X-Amz-Signature=sig0123",
			server.URL + "/bad-sum.jar#sha256=" + strings.Repeat("0", 64),
		}
		code, stderr, data := fetchProcess(t, job)
		if code != ExitNetwork {
			t.Fatalf("exit %d, want %d (the first failure's)\n%s", code, ExitNetwork, stderr)
		}
		for _, secret := range []string{"hunter2", "sig0123", token, basic} {
			if strings.Contains(string(data), secret) || strings.Contains(stderr, secret) {
				t.Errorf("%q leaked:\ntermination message %s\nstderr:\n%s", secret, data, stderr)
			}
		}
		t.Logf("termination message: %s", data)
		m := decodeFetchMessage(t, data)
		if m.Reason != "NetworkError" || m.Dependencies != 3 || m.Failed != 2 ||
			m.Message != "2 of 3 dependencies failed: secret.jar, bad-sum.jar" {
			t.Errorf("termination message %s", data)
		}
		if len(m.Items) != 3 {
			t.Fatalf("items %+v", m.Items)
		}
		secret, badSum, good := m.Items[0], m.Items[1], m.Items[2]
		if secret.Name != "secret.jar" || secret.State != termination.StateFailed ||
			!strings.Contains(secret.Error, "http://redacted@127.0.0.1") || !strings.Contains(secret.Error, "secret.jar?redacted") ||
			!strings.HasSuffix(secret.Error, "HTTP status 404 Not Found") {
			t.Errorf("the 404 item %+v, want its redacted URI and its status", secret)
		}
		if badSum.Name != "bad-sum.jar" || badSum.State != termination.StateFailed || !strings.Contains(badSum.Error, "sha256 mismatch") {
			t.Errorf("the checksum item %+v", badSum)
		}
		if good.Name != "good.jar" || good.State != termination.StatePlaced || good.Error != "" {
			t.Errorf("the good item %+v, want it placed, after the failures", good)
		}
		if n := strings.Count(stderr, `"msg":"dependency failed"`); n != 2 {
			t.Errorf("%d dependency failed lines, want 2:\n%s", n, stderr)
		}
	}
}

// TestTerminationMessageIsTruncated: far more dependencies than 4096
// bytes can list; the message stays below the kubelet's limit, keeps every
// failure (listed last in the job) and says how many it left out.
func TestTerminationMessageIsTruncated(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/missing-") {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("content of " + r.URL.Path))
	}))
	defer server.Close()
	job := testJob(t)
	job.MaxAttempts = 1
	job.Parallelism = 8
	const ok, missing = 120, 3
	for i := range ok {
		job.Jars = append(job.Jars, fmt.Sprintf("%s/dependency-with-a-long-name-%03d.jar", server.URL, i))
	}
	for i := range missing {
		job.Jars = append(job.Jars, fmt.Sprintf("%s/missing-%d.jar", server.URL, i))
	}
	code, stderr, data := fetchProcess(t, job)
	if code != ExitNetwork {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	t.Logf("termination message (%d bytes): %s", len(data), data)
	m := decodeFetchMessage(t, data)
	if !m.Truncated || m.Omitted == 0 || m.Omitted+len(m.Items) != ok+missing || m.Dependencies != ok+missing || m.Failed != missing {
		t.Fatalf("termination message (%d bytes) not truncated as expected: %d items, %d omitted: %s", len(data), len(m.Items), m.Omitted, data)
	}
	for i := range missing {
		if item := m.Items[i]; item.State != termination.StateFailed || item.Name != fmt.Sprintf("missing-%d.jar", i) {
			t.Errorf("item %d = %+v, want missing-%d.jar failed", i, item, i)
		}
	}
	if len(data) < termination.MaxBytes-300 {
		t.Errorf("only %d bytes used: items left out that would fit", len(data))
	}
}

// TestTerminationMessageOfBadInput: a run that stops before any download
// (a flag error here) still leaves a message, at the flag's path.
func TestTerminationMessageOfBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "from-flag")
	code, stderr, envLog := fetchProcess(t, testJob(t), "--bogus", "--termination-log", path)
	if code != ExitBadInput {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if len(envLog) != 0 {
		t.Errorf("the environment's path was written although the flag names another: %s", envLog)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeFetchMessage(t, data)
	if m.ExitCode != ExitBadInput || m.Reason != "BadInput" || !strings.Contains(m.Message, "bogus") || len(m.Items) != 0 {
		t.Errorf("termination message %s", data)
	}
}
