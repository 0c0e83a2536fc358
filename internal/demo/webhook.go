package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// demoAgentImage is the agent image the demo's webhook injects; the pod
// runner maps it to the locally built agent.
const demoAgentImage = "ghcr.io/stagehand-k8s/agent:demo"

// webhookProcess is `webhook serve`, running.
type webhookProcess struct {
	url      string
	caBundle []byte
	logPath  string
}

// startWebhook runs `webhook serve` on free loopback ports with the
// certificates of opts.CertDir and the base's entrypoint map, watching
// InjectionProfiles through kubeconfig, and waits until it is ready: until
// it has read the profiles.
func startWebhook(ctx context.Context, opts Options, base []*unstructured.Unstructured, kubeconfig string) (*webhookProcess, func(), error) {
	caBundle, err := os.ReadFile(filepath.Join(opts.CertDir, "ca.crt"))
	if err != nil {
		return nil, nil, fmt.Errorf("reading the demo's CA: %w", err)
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, nil, err
	}
	entrypoints, err := entrypointsFile(base, opts.LogDir)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(opts.LogDir, 0o755); err != nil {
		return nil, nil, err
	}
	logPath := filepath.Join(opts.LogDir, "webhook.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(opts.WebhookBinary, "serve")
	cmd.Env = append(os.Environ(),
		"STAGEHAND_WEBHOOK_PORT="+strconv.Itoa(ports[0]),
		"STAGEHAND_CERT_DIR="+opts.CertDir,
		"STAGEHAND_HEALTH_ADDR=127.0.0.1:"+strconv.Itoa(ports[1]),
		"STAGEHAND_METRICS_ADDR=127.0.0.1:"+strconv.Itoa(ports[2]),
		"STAGEHAND_SHUTDOWN_DELAY=0s",
		"STAGEHAND_AGENT_IMAGE="+demoAgentImage,
		"STAGEHAND_ENTRYPOINTS="+entrypoints,
		"STAGEHAND_LOG_LEVEL=debug",
		"STAGEHAND_PROFILES=true",
		"STAGEHAND_KUBECONFIG="+kubeconfig,
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, nil, fmt.Errorf("starting %s: %w", opts.WebhookBinary, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		logFile.Close()
	}
	ready := "http://127.0.0.1:" + strconv.Itoa(ports[1]) + "/readyz"
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		select {
		case <-exited:
			return false, fmt.Errorf("webhook exited; see %s", logPath)
		default:
		}
		resp, err := http.Get(ready) //nolint:noctx // bounded by the poll
		if err != nil {
			return false, nil //nolint:nilerr // not listening yet
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("waiting for the webhook to be ready: %w", err)
	}
	return &webhookProcess{url: "https://127.0.0.1:" + strconv.Itoa(ports[0]), caBundle: caBundle, logPath: logPath}, stop, nil
}

// entrypointsFile writes the base's entrypoint map, the ConfigMap the
// Deployment mounts, to a file for STAGEHAND_ENTRYPOINTS.
func entrypointsFile(base []*unstructured.Unstructured, dir string) (string, error) {
	cm := overlay.Find(base, "ConfigMap", "stagehand-entrypoints")
	if cm == nil {
		return "", fmt.Errorf("manifests/base has no ConfigMap stagehand-entrypoints")
	}
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	for key, content := range data {
		path := filepath.Join(dir, key)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		return path, os.WriteFile(path, []byte(content), 0o644)
	}
	return "", fmt.Errorf("ConfigMap stagehand-entrypoints has no data")
}

// freePorts returns n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
