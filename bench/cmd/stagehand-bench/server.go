package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stagehand-k8s/stagehand/bench/loadgen"
)

// Kinds of webhook server.
const (
	kindStagehand = "stagehand"          // webhook serve
	kindUncached  = "stagehand-uncached" // webhook serve without its cache
	kindNoop      = "noop"               // the floor
	kindProfiled  = "profiled"           // webhook.Serve under the CPU profiler
	// kindProfiledUncached is kindProfiled without the injection cache.
	kindProfiledUncached = "profiled-uncached"
	// kindWatching is webhook serve with InjectionProfiles on, watching
	// them in the API-server part's API server (workspace.kubeconfig).
	kindWatching = "stagehand-profiles"
)

// agentImage is what the webhook puts in its init containers.
const agentImage = "registry.example.com/stagehand/agent:bench"

// Bounds of starting and stopping a server.
const (
	readyTimeout = 20 * time.Second
	stopTimeout  = 15 * time.Second
	retryEvery   = time.Millisecond
)

// server is a webhook server process.
type server struct {
	kind    string
	url     string
	logPath string
	started time.Time // just before the process was started
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// startServer starts a webhook server of a kind on free loopback ports.
// profile is the CPU profile file of kindProfiled.
func startServer(w *workspace, kind, profile string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	switch kind {
	case kindNoop:
		cmd = exec.Command(w.noop, "--port", strconv.Itoa(port), "--cert-dir", w.certDir)
		cmd.Env = baseEnv()
	case kindStagehand, kindUncached, kindProfiled, kindProfiledUncached, kindWatching:
		env, err := stagehandEnv(w, port)
		if err != nil {
			return nil, err
		}
		if kind == kindWatching {
			env = append(env, "STAGEHAND_PROFILES=true", "STAGEHAND_KUBECONFIG="+w.kubeconfig)
		}
		if kind == kindUncached || kind == kindProfiledUncached {
			env = append(env, "STAGEHAND_CACHE_SIZE=0")
		}
		cmd = exec.Command(w.webhook, "serve")
		if kind == kindProfiled || kind == kindProfiledUncached {
			cmd = exec.Command(w.prof, "--cpuprofile", profile)
		}
		cmd.Env = env
	default:
		return nil, fmt.Errorf("unknown server kind %q", kind)
	}
	logPath := filepath.Join(w.dir, fmt.Sprintf("%s-%d.log", kind, port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the server log: %w", err)
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &server{kind: kind, url: fmt.Sprintf("https://127.0.0.1:%d/mutate-v1-pod", port), cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	s.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", kind, err)
	}
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	return s, nil
}

// stagehandEnv is the environment of `webhook serve`: the caller's, less
// any STAGEHAND_ setting, plus the bench's.
func stagehandEnv(w *workspace, port int) ([]string, error) {
	health, err := freePort()
	if err != nil {
		return nil, err
	}
	metrics, err := freePort()
	if err != nil {
		return nil, err
	}
	return append(baseEnv(),
		"STAGEHAND_WEBHOOK_PORT="+strconv.Itoa(port),
		"STAGEHAND_CERT_DIR="+w.certDir,
		"STAGEHAND_HEALTH_ADDR=127.0.0.1:"+strconv.Itoa(health),
		"STAGEHAND_METRICS_ADDR=127.0.0.1:"+strconv.Itoa(metrics),
		"STAGEHAND_SHUTDOWN_DELAY=0s",
		"STAGEHAND_AGENT_IMAGE="+agentImage,
		"STAGEHAND_LOG_LEVEL=info",
		// The load benchmarks measure admission alone: no API server.
		"STAGEHAND_PROFILES=false",
	), nil
}

func baseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STAGEHAND_") {
			env = append(env, kv)
		}
	}
	return env
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitAdmitting sends review until the server admits it, and returns when
// it first did. Each attempt uses a new connection.
func (s *server) waitAdmitting(ctx context.Context, w *workspace, f fixture) (time.Time, error) {
	tr := loadgen.NewTransport(w.roots, 1)
	tr.DisableKeepAlives = true
	defer tr.CloseIdleConnections()
	t := &loadgen.Target{Client: &http.Client{Transport: tr}, URL: s.url, Body: f.review, Check: s.check(f)}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err := t.Do(ctx)
		if err == nil {
			return time.Now(), nil
		}
		select {
		case <-s.exited:
			return time.Time{}, fmt.Errorf("%s exited before admitting (%v): see %s", s.kind, s.waitErr, s.logPath)
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("%s never admitted %s: %w", s.kind, f.name, err)
		case <-time.After(retryEvery):
		}
	}
}

// check is what a correct answer of this server to f looks like: stagehand
// patches every fixture, the floor only allows.
func (s *server) check(fixture) func([]byte) error {
	return loadgen.CheckAllowed(s.kind != kindNoop)
}

// stop sends SIGTERM and waits for the process, killing it after
// stopTimeout.
func (s *server) stop() error {
	if s == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%s did not stop within %v", s.kind, stopTimeout)
	}
	var exit *exec.ExitError
	if s.waitErr != nil && !errors.As(s.waitErr, &exit) {
		return fmt.Errorf("waiting for %s: %w", s.kind, s.waitErr)
	}
	return nil
}
