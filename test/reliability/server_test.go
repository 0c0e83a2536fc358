package reliability

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/logbuffer"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// injectionArgs are the injection settings of every server, those of the
// golden cases (pkg/offline's goldenOptions). The in-process handler that
// computes the expected responses loads the same flags.
func injectionArgs() []string {
	return []string{
		"--strict=false",
		"--agent-image=registry.example.com/stagehand/agent:golden",
		"--allowed-dependency-hosts=*.example.com,repo1.maven.org",
		"--entrypoints=" + entrypointsFile,
	}
}

// options say how to run one server.
type options struct {
	certDir string
	// port of the webhook; 0 picks a free one.
	port int
	// healthAddr and metricsAddr; empty picks free ports on 127.0.0.1.
	healthAddr, metricsAddr string
	shutdownDelay           time.Duration
	logLevel                config.LogLevel
	// args are more flags, after the injection settings.
	args []string
}

// server is one `webhook serve` process.
type server struct {
	opts                    options
	port                    int
	healthAddr, metricsAddr string
	cmd                     *exec.Cmd
	out                     *syncBuffer // stdout and stderr
	exited                  chan struct{}
	waitErr                 error
}

// startServer starts a server and waits until /readyz succeeds. The test's
// cleanup kills it if it still runs.
func startServer(t *testing.T, o options) *server {
	t.Helper()
	s, err := launch(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	if err := s.waitReady(startTimeout); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, s.out)
	}
	return s
}

func launch(o options) (*server, error) {
	if o.port == 0 {
		o.port = freePort()
	}
	if o.healthAddr == "" {
		o.healthAddr = "127.0.0.1:" + strconv.Itoa(freePort())
	}
	if o.metricsAddr == "" {
		o.metricsAddr = "127.0.0.1:" + strconv.Itoa(freePort())
	}
	if o.logLevel == "" {
		o.logLevel = config.LogInfo
	}
	s := &server{
		opts:        o,
		port:        o.port,
		healthAddr:  o.healthAddr,
		metricsAddr: o.metricsAddr,
		out:         &syncBuffer{},
		exited:      make(chan struct{}),
	}
	args := append([]string{"serve",
		"--webhook-port=" + strconv.Itoa(s.port),
		"--cert-dir=" + o.certDir,
		"--health-addr=" + s.healthAddr,
		"--metrics-addr=" + s.metricsAddr,
		"--shutdown-delay=" + o.shutdownDelay.String(),
		"--log-level=" + string(o.logLevel),
		"--log-format=json",
		// No API server here: the webhook serves without profiles.
		"--profiles=false",
	}, injectionArgs()...)
	s.cmd = exec.Command(binary, append(args, o.args...)...)
	s.cmd.Env = cleanEnv()
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the webhook: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// cleanEnv is this process's environment without STAGEHAND_ variables, so
// that only the flags configure the server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, config.Prefix+"_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /readyz until it returns 200.
func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("webhook exited before it was ready: %v", s.waitErr)
		default:
		}
		if s.ready() == http.StatusOK {
			return nil
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("webhook not ready within %v", timeout)
}

// ready returns the status of GET /readyz, or 0 when it fails.
func (s *server) ready() int {
	return getStatus("http://" + s.healthAddr + webhook.ReadyzPath)
}

// terminate sends SIGTERM.
func (s *server) terminate() error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	return nil
}

// wait returns the exit error once the process has exited, or an error
// after timeout.
func (s *server) wait(timeout time.Duration) error {
	select {
	case <-s.exited:
		return s.waitErr
	case <-time.After(timeout):
		return fmt.Errorf("webhook still running %v later", timeout)
	}
}

// kill ends the process if it still runs.
func (s *server) kill() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(delay time.Duration) error {
	if err := s.terminate(); err != nil {
		return err
	}
	if err := s.wait(delay + exitTimeout); err != nil {
		return fmt.Errorf("exit after SIGTERM: %w", err)
	}
	return nil
}

// addr is the webhook's address.
func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// url is the webhook's admission URL.
func (s *server) url() string { return "https://" + s.addr() + webhook.Path }

// freePort returns a port that was free on 127.0.0.1 a moment ago.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("no free port: %v", err))
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var plainClient = &http.Client{Timeout: requestTimeout}

// getStatus returns the status code of a GET, or 0 when it fails.
func getStatus(url string) int {
	resp, err := plainClient.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// getBody returns the body of a successful GET.
func getBody(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := plainClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return body, nil
}

// syncBuffer captures logs written concurrently.
type syncBuffer = logbuffer.Buffer
