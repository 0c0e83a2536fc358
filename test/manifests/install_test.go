package manifests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// certManagerInstall is the documented installation with cert-manager
// (manifests/cert-manager/kustomization.yaml, docs/tls.md): kubectl's
// arguments for each step, run from the repository's root, each only if
// the one before succeeded (the documentation joins them with &&).
var certManagerInstall = [][]string{
	{"apply", "-k", "manifests/cert-manager"},
	{"-n", "stagehand-system", "wait", "--for=condition=Ready", "certificate/stagehand-webhook", "--timeout=5m"},
	webhooksStep,
	{"wait", "--for=jsonpath={.webhooks[0].clientConfig.caBundle}", "mutatingwebhookconfiguration/stagehand", "validatingwebhookconfiguration/stagehand", "--timeout=5m"},
}

// webhooksStep is the step that creates the webhook configurations.
var webhooksStep = []string{"apply", "-k", "manifests/cert-manager/webhooks"}

// The messages of the policy stagehand-webhook-ca and of the API server for
// it: without cert-manager's CRDs, and while the Certificate is not Ready.
const (
	noCertManagerMessage = "failed to find resource referenced by paramKind: 'cert-manager.io/v1, Kind=Certificate'"
	notReadyMessage      = "cert-manager has not issued the Certificate stagehand-system/stagehand-webhook (it is not Ready)"
)

// TestCertManagerInstall follows a cluster admin through the documented
// installation with cert-manager, with the real kubectl, against an API
// server of its own that starts without cert-manager's CRDs:
//
//   - the documented command stops at its first step, which fails with
//     kubectl's "ensure CRDs are installed first" for cert-manager's kinds,
//     and no webhook configuration exists;
//   - applying manifests/cert-manager/webhooks anyway, once the policy
//     stagehand-webhook-ca of the first step is in force, is refused, naming
//     cert-manager's Certificate, and still no webhook configuration
//     exists; a webhook configuration without the policy's label (the
//     base's, as manifests/self-signed and the chart make them) is not
//     refused;
//   - with cert-manager's CRDs installed, the first step succeeds, the
//     webhook configurations are refused while the Certificate is not
//     Ready, and so is one whose annotation asks cainjector for another
//     Certificate's CA;
//   - with stand-ins for cert-manager (the Certificate becomes Ready) and
//     its cainjector (the caBundle is filled in, an update the policy
//     admits), the documented command completes, and both webhook
//     configurations fail closed, with the CA.
//
// After each failure, no webhook configuration with a fail-closed webhook
// and no caBundle exists. No namespace opts in and no InjectionProfile is
// created, so the API server never calls the webhook's Service.
func TestCertManagerInstall(t *testing.T) {
	c := startBare(t)
	failed, r := c.install(t)
	if failed != 0 || !containsAll(r.stderr, "ensure CRDs are installed first", `no matches for kind "Certificate" in version "cert-manager.io/v1"`) {
		t.Fatalf("without cert-manager, the documented command failed at step %d (%v), want step 0 with kubectl's message about cert-manager's CRDs; stderr:\n%s", failed, r.err, r.stderr)
	}
	c.noWebhookConfigurations(t)

	c.waitRefused(t, noCertManagerMessage)
	r = c.kubectl(t, webhooksStep...)
	if r.err == nil || !containsAll(r.stderr, "stagehand-webhook-ca", noCertManagerMessage) {
		t.Errorf("manifests/cert-manager/webhooks without cert-manager: %v, want it refused by stagehand-webhook-ca; stderr:\n%s", r.err, r.stderr)
	}
	c.noWebhookConfigurations(t)
	for _, u := range c.built(t, "base") {
		if err := c.Client.Create(t.Context(), u, client.DryRunAll); err != nil {
			t.Errorf("the base's %s, unlabelled, is refused: %v", u.GetKind(), err)
		}
	}

	crds, err := testenv.CertManagerCRDs()
	if err == nil {
		_, err = envtest.InstallCRDs(c.Env.Env.Config, envtest.CRDInstallOptions{
			Paths: []string{crds}, ErrorIfPathMissing: true, MaxTime: waitTimeout, PollInterval: pollInterval,
		})
	}
	if err != nil {
		t.Fatalf("installing cert-manager's CRDs: %v", err)
	}
	if r := c.kubectl(t, certManagerInstall[0]...); r.err != nil {
		t.Fatalf("%v: %s", r.err, r.stderr)
	}
	c.waitRefused(t, notReadyMessage)
	if r := c.kubectl(t, webhooksStep...); r.err == nil || !containsAll(r.stderr, "stagehand-webhook-ca", notReadyMessage) {
		t.Errorf("manifests/cert-manager/webhooks before the Certificate is Ready: %v, want it refused by stagehand-webhook-ca; stderr:\n%s", r.err, r.stderr)
	}
	c.noWebhookConfigurations(t)

	stop := c.standIns(t)
	failed, r = c.install(t)
	stop()
	if failed >= 0 {
		t.Fatalf("with cert-manager, the documented command failed at step %d: %v\n%s", failed, r.err, r.stderr)
	}
	c.installed(t)
	c.wrongCertificateRefused(t)
}

// TestCertManagerInstallDocumented: the documentation gives the command
// TestCertManagerInstall runs.
func TestCertManagerInstallDocumented(t *testing.T) {
	for _, path := range []string{"../../docs/tls.md", "../../manifests/cert-manager/kustomization.yaml"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range certManagerInstall {
			if line := shellLine(step); !strings.Contains(string(b), line) {
				t.Errorf("%s does not give the step %q", path, line)
			}
		}
	}
}

// shellLine writes a step as the documentation does, quoting a JSONPath
// from its brace, which a shell would expand.
func shellLine(step []string) string {
	words := []string{"kubectl"}
	for _, w := range step {
		if i := strings.Index(w, "{"); i >= 0 {
			w = w[:i] + "'" + w[i:] + "'"
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// bare is an API server of a test's own, started without cert-manager's
// CRDs, and a kubeconfig of a cluster admin for kubectl.
type bare struct {
	*testenv.Env
	kubeconfig string
}

// startBare starts the API server, stopped when the test ends, or skips the
// test when there can be none.
func startBare(t *testing.T) *bare {
	t.Helper()
	if reason := testenv.SkipReason(); reason != "" {
		t.Skip(reason)
	}
	kubectlBinary(t)
	e, stop, err := testenv.Start(testenv.Options{})
	t.Cleanup(stop)
	if err != nil {
		t.Fatalf("starting an API server: %v", err)
	}
	admin, err := e.Env.AddUser(envtest.User{Name: "install-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	return &bare{Env: e, kubeconfig: path}
}

// kubectl runs kubectl against the API server from the repository's root.
func (c *bare) kubectl(t *testing.T, args ...string) kubectlResult {
	t.Helper()
	root, err := filepath.Abs(filepath.Join(manifestsDir, ".."))
	if err != nil {
		t.Fatal(err)
	}
	return kubectlIn(t, root, c.kubeconfig, args...)
}

// install runs the documented command, step by step, until one fails, and
// returns the index of that step (-1: none) and what it printed.
func (c *bare) install(t *testing.T) (int, kubectlResult) {
	t.Helper()
	var r kubectlResult
	for i, step := range certManagerInstall {
		if r = c.kubectl(t, step...); r.err != nil {
			return i, r
		}
	}
	return -1, r
}
