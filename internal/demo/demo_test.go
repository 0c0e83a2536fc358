package demo

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/certs"
	"github.com/stagehand-k8s/stagehand/internal/podrunner"
)

func TestMain(m *testing.M) {
	podrunner.MaybeRunInit()
	os.Exit(m.Run())
}

// TestDemo runs `make demo`'s program end to end, as a new user would, so
// that the demo cannot rot: every step must succeed and the worker's task
// must complete.
func TestDemo(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if testing.Short() || assets == "" {
		t.Skip("needs KUBEBUILDER_ASSETS (make envtest-assets) and no -short")
	}
	bin := t.TempDir()
	for _, cmd := range []string{"webhook", "agent"} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, cmd), "github.com/stagehand-k8s/stagehand/cmd/"+cmd)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", cmd, err, out)
		}
	}
	certDir := filepath.Join(bin, "certs")
	if _, err := certs.Generate(certs.Options{Service: "stagehand-webhook", Namespace: "stagehand-system", Dir: certDir,
		Validity: time.Hour, ExtraNames: []string{"127.0.0.1", "localhost"}}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := Run(context.Background(), Options{
		Root: "../..", WebhookBinary: filepath.Join(bin, "webhook"), AgentBinary: filepath.Join(bin, "agent"),
		EnvtestAssets: assets, CertDir: certDir, LogDir: filepath.Join(bin, "logs"), Out: &out, Timeout: 3 * time.Minute,
	})
	t.Logf("demo output:\n%s", out.String())
	if err != nil {
		t.Fatalf("demo failed: %v", err)
	}
	want := []string{
		"1. Starting a local kube-apiserver and etcd", "ok: the API server now calls stagehand",
		"ok: the webhook applies all 3 profiles to pods created from now on",
		"Pod hivemr3-demo/mr3worker-8a3f-1",
		"mr3worker-8a3f-1 carries no stagehand annotation; InjectionProfile mr3-workers selected it; " +
			"stagehand injected credentials, ats-key, dependencies, agent",
		`stagehand.io/status records "profile":{"name":"mr3-workers","generation":1}`,
		"spark-pi-exec-1 carries no stagehand annotation; InjectionProfile spark-executors selected it",
		"hiveserver2 asks with stagehand.io/ annotations of its own",
		"ATS_SECRET_KEY from ConfigMap client-am-config",
		"[stagehand-fetch] fetch complete", "[mr3-worker] task done", "mr3-worker         exited 0 (Completed)",
		"ok: nothing left running",
	}
	if podrunner.CheckSupport() != nil {
		want = want[:9]
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("demo output lacks %q", w)
		}
	}
	if strings.Contains(out.String(), "demo-not-a-real-ats-secret-key") {
		t.Error("the demo printed the ATS secret key's value")
	}
}
