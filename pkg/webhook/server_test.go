package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/version"
)

func TestServeAdmitsPod(t *testing.T) {
	cfg, cert := testConfig(t)
	startServe(t, cfg)

	resp := admit(t, httpsClient(cert), cfg.Port, annotatedPod())
	if !resp.Allowed {
		t.Fatalf("pod denied: %+v", resp.Result)
	}
	if resp.PatchType == nil || *resp.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("patch type = %v, want JSONPatch", resp.PatchType)
	}
	var got []jsonpatch.Operation
	if err := json.Unmarshal(resp.Patch, &got); err != nil {
		t.Fatalf("patch %s: %v", resp.Patch, err)
	}
	if !strings.Contains(string(resp.Patch), `"name":"`+inject.TokenVolume+`"`) {
		t.Errorf("patch does not add volume %s:\n%s", inject.TokenVolume, resp.Patch)
	}
	input, err := inject.InputOf(annotatedPod())
	if err != nil {
		t.Fatal(err)
	}
	res, err := inject.New(inject.Options{Version: version.Version}).Inject(input)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(res.Patch)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Patch) != string(want) {
		t.Errorf("patch =\n%s\nwant the injector's\n%s", resp.Patch, want)
	}
}

func TestServeStrict(t *testing.T) {
	cfg, cert := testConfig(t)
	cfg.Strict = true
	startServe(t, cfg)

	pod := annotatedPod()
	pod.Annotations["stagehand.io/no-such-key"] = "x"
	if resp := admit(t, httpsClient(cert), cfg.Port, pod); resp.Allowed {
		t.Errorf("strict webhook allowed a pod with an unknown stagehand.io/ key: %+v", resp)
	}
}

func TestServeShutdown(t *testing.T) {
	cfg, cert := testConfig(t)
	cfg.ShutdownDelay = 2 * time.Second
	s := startServe(t, cfg)
	readyz := "http://" + cfg.HealthAddr + ReadyzPath
	client := httpsClient(cert)

	start := time.Now()
	s.cancel()
	// Readiness fails as soon as Serve sees the cancellation.
	pollStatus(t, readyz, http.StatusServiceUnavailable, time.Second)
	// The webhook and liveness still answer during the delay.
	admit(t, client, cfg.Port, annotatedPod())
	if got := getStatus("http://" + cfg.HealthAddr + HealthzPath); got != http.StatusOK {
		t.Errorf("healthz during shutdown = %d, want 200", got)
	}
	if err := s.wait(t, cfg.ShutdownDelay+startTimeout); err != nil {
		t.Fatalf("Serve = %v, want nil", err)
	}
	if took := time.Since(start); took < cfg.ShutdownDelay {
		t.Errorf("Serve returned %v after cancel, before the %v delay", took, cfg.ShutdownDelay)
	}
	for _, addr := range []string{"127.0.0.1:" + strconv.Itoa(cfg.Port), cfg.HealthAddr, cfg.MetricsAddr} {
		if conn, err := net.DialTimeout("tcp", addr, requestTimeout); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after Serve returned", addr)
		}
	}
}

func TestHealthMux(t *testing.T) {
	r := &readiness{checks: map[string]check{"webhook": func(*http.Request) error { return errors.New("not started") }}}
	srv := newHealthMux(r)
	for _, tt := range []struct {
		path string
		want int
	}{{ReadyzPath, http.StatusServiceUnavailable}, {HealthzPath, http.StatusOK}} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.want || (tt.path == ReadyzPath && !strings.Contains(rec.Body.String(), "webhook: not started")) {
			t.Errorf("GET %s = %d %q, want %d naming the failed check", tt.path, rec.Code, rec.Body.String(), tt.want)
		}
	}
}

func TestServeMetrics(t *testing.T) {
	cfg, cert := testConfig(t)
	startServe(t, cfg)
	admit(t, httpsClient(cert), cfg.Port, annotatedPod())

	resp, err := (&http.Client{Timeout: requestTimeout}).Get("http://" + cfg.MetricsAddr + MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`stagehand_admission_total{reason="injected",result="allowed"}`,
		`stagehand_webhook_requests_total{code="200"}`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestServeMetricsDisabled(t *testing.T) {
	cfg, _ := testConfig(t)
	metricsAddr := cfg.MetricsAddr
	cfg.MetricsAddr = config.MetricsDisabled
	startServe(t, cfg)
	if conn, err := net.DialTimeout("tcp", metricsAddr, requestTimeout); err == nil {
		conn.Close()
		t.Errorf("metrics disabled, yet %s accepts connections", metricsAddr)
	}
}

func TestServeStartErrors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenAddr := taken.Addr().String()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name   string
		mutate func(*config.Webhook)
		is     error
		server string
	}{
		{"webhook port in use", func(c *config.Webhook) { c.Port = takenPort }, syscall.EADDRINUSE, webhookServer},
		{"health address in use", func(c *config.Webhook) { c.HealthAddr = takenAddr }, syscall.EADDRINUSE, healthServer},
		{"metrics address in use", func(c *config.Webhook) { c.MetricsAddr = takenAddr }, syscall.EADDRINUSE, metricsServer},
		{"no certificate", func(c *config.Webhook) {
			if err := os.Remove(filepath.Join(c.CertDir, "tls.crt")); err != nil {
				t.Fatal(err)
			}
		}, os.ErrNotExist, webhookServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := testConfig(t)
			cfg.ShutdownDelay = time.Minute // a failed start does not wait for it
			tt.mutate(&cfg)
			err := runServe(t, cfg).wait(t, startTimeout)
			if !errors.Is(err, tt.is) {
				t.Errorf("Serve = %v, want an error wrapping %v", err, tt.is)
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.server+": ") {
				t.Errorf("Serve = %v, want it to name the %s", err, tt.server)
			}
		})
	}
}

func TestServeCancelledBeforeStart(t *testing.T) {
	cfg, _ := testConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, cfg, nil) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(startTimeout):
		t.Fatalf("Serve did not return within %v", startTimeout)
	}
}

func TestServeAgentImage(t *testing.T) {
	cfg, cert := testConfig(t)
	cfg.AgentImage = "registry.example.com/stagehand/agent:test"
	startServe(t, cfg)

	pod := annotatedPod()
	pod.Annotations["stagehand.io/agent"] = "true"
	pod.Spec.Containers[0].Command = []string{"/opt/mr3-run/worker.sh"}
	resp := admit(t, httpsClient(cert), cfg.Port, pod)
	if !resp.Allowed || !strings.Contains(string(resp.Patch), `"image":"`+cfg.AgentImage+`"`) {
		t.Errorf("allowed %v, patch %s; want the agent image %s injected", resp.Allowed, resp.Patch, cfg.AgentImage)
	}
}
