package integration

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/yamldoc"
	"github.com/stagehand-k8s/stagehand/pkg/config"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// rbacPath is the webhook's shipped RBAC.
const rbacPath = "../../manifests/base/rbac.yaml"

// TestServeReadyOnlyAfterProfilesSync runs `webhook serve` (webhook.Serve)
// with profiles on, as the webhook's ServiceAccount: it is not ready while
// it cannot read the InjectionProfiles, and becomes ready once the shipped
// RBAC lets it list and watch them, and nothing more.
func TestServeReadyOnlyAfterProfilesSync(t *testing.T) {
	s := env(t)
	user, err := s.Env.Env.AddUser(envtest.User{Name: "system:serviceaccount:stagehand-system:stagehand-webhook"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Webhook{
		Port: freePort(t), CertDir: s.Env.Env.WebhookInstallOptions.LocalServingCertDir,
		HealthAddr: "127.0.0.1:" + strconv.Itoa(freePort(t)), MetricsAddr: config.MetricsDisabled,
		Profiles: true, LogLevel: config.LogInfo, LogFormat: config.LogText,
	}
	ctx, cancel := context.WithCancel(log.IntoContext(context.Background(), log.Log))
	done := make(chan error, 1)
	go func() { done <- webhook.Serve(ctx, cfg, user.Config()) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitTimeout):
			t.Error("Serve did not stop")
		}
	})
	readyz := "http://" + cfg.HealthAddr + webhook.ReadyzPath

	// Without RBAC: the webhook check passes, the profiles check does not,
	// and stays so.
	var body string
	eventually(t, "the webhook server to serve, not ready for profiles", func(ctx context.Context) (bool, error) {
		code, b := get(ctx, readyz)
		body = b
		return code == http.StatusServiceUnavailable && strings.HasPrefix(b, "profiles:"), nil
	})
	if !strings.Contains(body, "injectionprofiles") {
		t.Errorf("/readyz says %q; want it to say what to check", body)
	}
	time.Sleep(time.Second)
	if code, b := get(t.Context(), readyz); code != http.StatusServiceUnavailable {
		t.Fatalf("ready (%d %q) although the InjectionProfiles cannot be read", code, b)
	}

	// The shipped RBAC is enough.
	raw, err := os.ReadFile(rbacPath)
	if err != nil {
		t.Fatal(err)
	}
	var objects []*unstructured.Unstructured
	err = yamldoc.Each(bytes.NewReader(raw), func(_ int, doc []byte) {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err == nil {
			objects = append(objects, u)
		}
	})
	for _, u := range objects {
		if err == nil {
			err = s.client.Create(t.Context(), u)
			t.Cleanup(func() { _ = s.client.Delete(context.Background(), u) })
		}
	}
	if err != nil {
		t.Fatalf("applying %s: %v", rbacPath, err)
	}
	start := time.Now()
	eventually(t, "the webhook to be ready once it may read profiles", func(ctx context.Context) (bool, error) {
		code, _ := get(ctx, readyz)
		return code == http.StatusOK, nil
	})
	t.Logf("ready %v after the RBAC was applied", time.Since(start).Round(time.Millisecond))
}

// get returns the status code and body of a GET, 0 when it fails.
func get(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}

// freePort returns a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
