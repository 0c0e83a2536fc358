package chart

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// installNotIssuing: with cert-manager's CRDs but nothing issuing
// certificates (cert-manager stopped, or uninstalled with its CRDs left
// behind, as its chart leaves them), the chart renders in mode
// cert-manager, and a plain helm install would leave both webhook
// configurations, which fail closed, without a caBundle. The documented
// command, with --wait --rollback-on-failure, fails instead: the
// Deployment's pods cannot start without the Secret cert-manager would
// make, helm reports it not ready and uninstalls the release, and no
// webhook configuration is left. The timeout is short here; the
// documentation gives 5m. TestInstallCertManager runs it once cert-manager's
// CRDs are installed (removing CRDs again leaves discovery stale for a
// while, which would mislead the next install without them).
func installNotIssuing(t *testing.T, c *cluster) {
	t.Helper()
	ctx := context.Background()
	const ns = "stagehand-not-issuing"
	_, err := runHelm(t, c.kubeconfig, "install", release, chartDir, "--namespace", ns, "--create-namespace",
		"--set", "certificates.mode=cert-manager", "--wait", "--rollback-on-failure", "--timeout", "15s")
	t.Cleanup(func() { _, _ = runHelm(t, c.kubeconfig, "uninstall", release, "--namespace", ns, "--timeout", "30s") })
	if err == nil || !strings.Contains(err.Error(), "Deployment/"+ns+"/stagehand-webhook not ready") || !strings.Contains(err.Error(), "rollback") {
		t.Errorf("helm install --wait --rollback-on-failure while nothing issues certificates: %v, want the Deployment not ready and a rollback", err)
	}
	for _, obj := range []client.Object{&admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfiguration{}} {
		if err := c.Client.Get(ctx, client.ObjectKey{Name: "stagehand"}, obj); !apierrors.IsNotFound(err) {
			t.Errorf("after the failed install, %T stagehand: %v, want none", obj, err)
		}
	}
	noFailClosedWithoutCA(t, c)
}

// noFailClosedWithoutCA fails the test for every webhook of the API server
// that fails closed and has no caBundle.
func noFailClosedWithoutCA(t *testing.T, c *cluster) {
	t.Helper()
	ctx := context.Background()
	var mutating admissionregistrationv1.MutatingWebhookConfigurationList
	var validating admissionregistrationv1.ValidatingWebhookConfigurationList
	if err := c.Client.List(ctx, &mutating); err != nil {
		t.Fatal(err)
	}
	if err := c.Client.List(ctx, &validating); err != nil {
		t.Fatal(err)
	}
	for _, m := range mutating.Items {
		for _, w := range m.Webhooks {
			if ptr.Deref(w.FailurePolicy, admissionregistrationv1.Fail) == admissionregistrationv1.Fail && len(w.ClientConfig.CABundle) == 0 {
				t.Errorf("MutatingWebhookConfiguration %s: webhook %s fails closed and has no caBundle", m.Name, w.Name)
			}
		}
	}
	for _, v := range validating.Items {
		for _, w := range v.Webhooks {
			if ptr.Deref(w.FailurePolicy, admissionregistrationv1.Fail) == admissionregistrationv1.Fail && len(w.ClientConfig.CABundle) == 0 {
				t.Errorf("ValidatingWebhookConfiguration %s: webhook %s fails closed and has no caBundle", v.Name, w.Name)
			}
		}
	}
}

// TestCertManagerInstallDocumented: README.md gives the install in mode
// cert-manager with the flags installNotIssuing relies on.
func TestCertManagerInstallDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(chartDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "--set certificates.mode=cert-manager --wait --rollback-on-failure"; !strings.Contains(string(readme), want) {
		t.Errorf("charts/stagehand/README.md does not install in mode cert-manager with %q", want)
	}
}
