package node

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
)

// checkTimeout bounds building the plugin, the waits for the webhook and
// the check itself.
const checkTimeout = 5 * time.Minute

// TestCheck runs `kubectl stagehand check`, built as `make build` builds
// it, against the installation TestMain made from manifests/self-signed,
// once the webhook has rolled out and its Service answers: every item
// passes, and it exits 0.
func TestCheck(t *testing.T) {
	c := env(t)
	ctx, cancel := context.WithTimeout(t.Context(), checkTimeout)
	defer cancel()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := nodeenv.BuildStatic(ctx, abs, "cmd/kubectl-stagehand", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitRollout(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitServiceReady(ctx, nodeenv.Namespace, nodeenv.Service, time.Minute); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, bin, "check", "--kubeconfig", os.Getenv(nodeenv.KubeconfigEnv)).CombinedOutput()
	t.Logf("kubectl stagehand check:\n%s", out)
	if err != nil {
		t.Fatalf("check exited with %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	items := lines[:len(lines)-1]
	for _, line := range items {
		if !strings.HasPrefix(line, "PASS ") {
			t.Errorf("not a PASS: %q", line)
		}
	}
	for _, want := range []string{
		"PASS API server: Kubernetes v1.",
		"PASS CRD injectionprofiles.stagehand.io: Established",
		"PASS Deployment stagehand-system/stagehand-webhook: 2 of 2 available",
		"PASS Service stagehand-system/stagehand-webhook: 2 ready endpoints",
		"PASS CA bundle: in all 3 webhooks",
		"PASS serving certificate: tls.crt of Secret stagehand-system/stagehand-webhook-tls: signed by the caBundle's CA",
		"PASS ValidatingAdmissionPolicy stagehand-guard: bound",
		"PASS ValidatingAdmissionPolicy stagehand-profile-guard: bound",
		"PASS opted-in namespaces: ",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the report does not say %q", want)
		}
	}
	if !strings.Contains(string(out), nodeenv.ProbeNamespace) {
		t.Errorf("the opted-in namespaces do not include %s, which TestMain opted in", nodeenv.ProbeNamespace)
	}
	if summary := lines[len(lines)-1]; !strings.HasSuffix(summary, " PASS, 0 FAIL, 0 WARN, 0 SKIP") {
		t.Errorf("summary %q", summary)
	}
}
