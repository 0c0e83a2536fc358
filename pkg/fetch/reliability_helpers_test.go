package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
)

// soakEnv, when "1", makes the reliability tests run longer: more files,
// more restarts, more fetchers, more rounds.
const soakEnv = "STAGEHAND_SOAK"

// scaled returns short in a normal `go test` run and long when soaking.
func scaled(short, long int) int {
	if os.Getenv(soakEnv) == "1" {
		return long
	}
	return short
}

// payloadFor returns size deterministic bytes that differ per name, so a
// file mixed up with another one is detected.
func payloadFor(name string, size int) []byte {
	var buffer bytes.Buffer
	for i := 0; buffer.Len() < size; i++ {
		fmt.Fprintf(&buffer, "%s:%08d|", name, i)
	}
	return buffer.Bytes()[:size]
}

// fetchChild is a real `agent fetch` process: the test binary re-executed
// (see TestMain), its whole job in STAGEHAND_FETCH_JOB.
type fetchChild struct {
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	started time.Time
}

// startFetchChild starts a fetcher process for job, bounded by 60s.
func startFetchChild(t *testing.T, job agentapi.Job) *fetchChild {
	t.Helper()
	jobJSON, err := json.Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	child := &fetchChild{cmd: exec.CommandContext(ctx, os.Args[0])}
	child.cmd.Env = append(os.Environ(), childProcessEnv+"=1", agentapi.EnvJob+"="+string(jobJSON))
	child.cmd.Stderr = &child.stderr
	child.cmd.WaitDelay = 3 * time.Second
	child.started = time.Now()
	if err := child.cmd.Start(); err != nil {
		t.Fatalf("start fetcher: %v", err)
	}
	return child
}

// wait returns the fetcher's exit code; a fetcher killed by a signal (the
// 60s bound) fails the test.
func (c *fetchChild) wait(t *testing.T) int {
	t.Helper()
	err := c.cmd.Wait()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("wait for fetcher: %v\nstderr:\n%s", err, c.stderr.String())
	}
	code := c.cmd.ProcessState.ExitCode()
	if code < 0 {
		t.Fatalf("fetcher died: %v\nstderr:\n%s", c.cmd.ProcessState, c.stderr.String())
	}
	return code
}

// logLines counts the fetcher's log lines whose message is msg.
func (c *fetchChild) logLines(msg string) int {
	return strings.Count(c.stderr.String(), `"msg":"`+msg+`"`)
}

// assertNoPartFiles fails if dir holds any *.part file or unpack leftover.
func assertNoPartFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, entry := range entries {
		name := entry.Name()
		if strings.HasSuffix(name, partSuffix) || strings.HasPrefix(name, unpackPrefix) || strings.HasPrefix(name, replacedPrefix) {
			t.Errorf("%s left behind in %s", name, dir)
		}
	}
}

// assertJobDone checks the outcome of a successful job: every file complete
// and verified at its final name, no leftovers, and a manifest listing
// exactly the expected files with their sha256.
func assertJobDone(t *testing.T, job agentapi.Job, payloads map[string][]byte) {
	t.Helper()
	for name, payload := range payloads {
		assertFileContent(t, filepath.Join(job.JarsDir, name), payload)
	}
	assertNoPartFiles(t, job.JarsDir)
	manifest, err := ReadManifest(filepath.Join(job.JarsDir, agentapi.ManifestFileName))
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	if len(manifest.Entries) != len(payloads) {
		t.Fatalf("manifest has %d entries, want %d", len(manifest.Entries), len(payloads))
	}
	for _, entry := range manifest.Entries {
		payload, ok := payloads[entry.Name]
		if !ok || entry.SHA256 != sha256Hex(payload) || entry.Size != int64(len(payload)) {
			t.Errorf("manifest entry %+v does not match the served file", entry)
		}
	}
}

// restartableServer is an HTTP server on a fixed loopback port that can be
// stopped (connections refused, open ones dropped) and started again.
type restartableServer struct {
	t       *testing.T
	addr    string
	handler http.Handler

	mu       sync.Mutex
	server   *http.Server
	restarts int
	pending  sync.WaitGroup
}

// newRestartableServer starts handler on a free loopback port.
func newRestartableServer(t *testing.T, handler http.Handler) *restartableServer {
	t.Helper()
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &restartableServer{t: t, addr: probe.Addr().String(), handler: handler}
	probe.Close()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.pending.Wait()
		s.stop()
	})
	return s
}

func (s *restartableServer) url(name string) string { return "http://" + s.addr + "/" + name }

// start listens on the fixed address again, retrying briefly while the
// port is still in use.
func (s *restartableServer) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	deadline := time.Now().Add(3 * time.Second)
	for {
		listener, err := net.Listen("tcp", s.addr)
		if err == nil {
			s.server = &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
			go s.server.Serve(listener)
			return nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return fmt.Errorf("restart server on %s: %w", s.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop closes the listener and every open connection.
func (s *restartableServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.server != nil {
		s.server.Close()
		s.server = nil
	}
}

// bounce stops the server now and starts it again after down, in the
// background. It returns at once.
func (s *restartableServer) bounce(down time.Duration) {
	s.stop()
	s.pending.Add(1)
	time.AfterFunc(down, func() {
		defer s.pending.Done()
		if err := s.start(); err != nil {
			s.t.Errorf("%v", err)
			return
		}
		s.mu.Lock()
		s.restarts++
		s.mu.Unlock()
	})
}

func (s *restartableServer) restartCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}
