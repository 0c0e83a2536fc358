package chart

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
)

// crdName is the InjectionProfile CRD, which the chart installs from crds/.
const crdName = "injectionprofiles.stagehand.io"

// The API server of these tests never calls the webhook: its Service has no
// endpoint and resolves nowhere, and the tests must not reach out. The
// configurations only match Pod CREATEs in labelled namespaces and
// InjectionProfile CREATEs and UPDATEs, and the tests create neither
// (noOptedInNamespace checks the first).

// TestInstall: helm install of the default values into envtest's API
// server, with --create-namespace as README.md says, creates every object
// of the release and the CRD; helm upgrade keeps the generated CA (the
// caBundle does not change) and renews the serving certificate under it;
// helm uninstall deletes every object of the release and keeps the CRD, as
// Helm keeps the CRDs of crds/.
func TestInstall(t *testing.T) {
	c := env(t)
	ctx := context.Background()
	noOptedInNamespace(t, c)
	const ns = namespace
	c.helm(t, "install", release, chartDir, "--namespace", ns, "--create-namespace", "--timeout", "2m")
	uninstalled := false
	t.Cleanup(func() {
		if !uninstalled {
			_, _ = runHelm(t, c.kubeconfig, "uninstall", release, "--namespace", ns, "--timeout", "2m")
		}
	})

	objects := c.releaseObjects(t, ns)
	for _, want := range []string{
		"Namespace/" + ns, "ServiceAccount/stagehand-webhook", "ClusterRole/stagehand-webhook", "ClusterRoleBinding/stagehand-webhook",
		"ConfigMap/stagehand-entrypoints", "Secret/stagehand-webhook-tls", "Secret/stagehand-webhook-ca",
		"Deployment/stagehand-webhook", "Service/stagehand-webhook", "PodDisruptionBudget/stagehand-webhook",
		"MutatingWebhookConfiguration/stagehand", "ValidatingWebhookConfiguration/stagehand",
		"ValidatingAdmissionPolicy/stagehand-guard", "ValidatingAdmissionPolicyBinding/stagehand-guard",
		"ValidatingAdmissionPolicy/stagehand-profile-guard", "ValidatingAdmissionPolicyBinding/stagehand-profile-guard",
	} {
		kind, name, _ := strings.Cut(want, "/")
		if find(objects, kind, name) == nil {
			t.Errorf("the release has no %s", want)
		}
	}
	for _, u := range objects {
		if _, err := c.get(ctx, u); err != nil {
			t.Errorf("%s %s of the release: %v", u.GetKind(), u.GetName(), err)
		}
	}
	if _, err := c.get(ctx, crd()); err != nil {
		t.Errorf("CRD %s: %v", crdName, err)
	}
	var nsObj corev1.Namespace
	if err := c.Client.Get(ctx, client.ObjectKey{Name: ns}, &nsObj); err != nil || nsObj.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s labels %v (%v), want PodSecurity restricted enforced", ns, nsObj.Labels, err)
	}
	before := c.tls(t, ns)
	if before.caBundle == "" || before.caBundle != before.ca {
		t.Fatalf("caBundle %.20q, Secret ca.crt %.20q: want the same CA", before.caBundle, before.ca)
	}

	c.helm(t, "upgrade", release, chartDir, "--namespace", ns, "--timeout", "2m")
	after := c.tls(t, ns)
	switch {
	case after.caBundle != before.caBundle || after.ca != before.ca:
		t.Error("helm upgrade replaced the CA: webhook calls would fail until the pods reload the new certificate")
	case after.cert == before.cert:
		t.Error("helm upgrade did not renew the serving certificate")
	}

	c.helm(t, "uninstall", release, "--namespace", ns, "--timeout", "2m")
	uninstalled = true
	for _, u := range objects {
		got, err := c.get(ctx, u)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			t.Errorf("%s %s: %v", u.GetKind(), u.GetName(), err)
		// envtest runs no namespace controller, which would finish
		// deleting the namespace once it is empty.
		case u.GetKind() == "Namespace" && got.GetDeletionTimestamp() != nil:
		default:
			t.Errorf("%s %s is still there after helm uninstall", u.GetKind(), u.GetName())
		}
	}
	if _, err := c.get(ctx, crd()); err != nil {
		t.Errorf("helm uninstall deleted the CRD %s, or it cannot be read: %v", crdName, err)
	}
}

// TestInstallCertManager: in mode cert-manager, helm install fails with the
// message of the chart while the cluster has no cert-manager CRDs, and
// creates no webhook configuration (nothing of the release: only the
// InjectionProfile CRD, which Helm installs from crds/ before it renders
// anything); once it has them, the install creates the Issuers and
// Certificates, and both webhook configurations ask cainjector for their
// caBundle.
func TestInstallCertManager(t *testing.T) {
	c := env(t)
	ctx := context.Background()
	noOptedInNamespace(t, c)
	const ns = "stagehand-cert-manager"
	args := []string{"install", release, chartDir, "--namespace", ns, "--create-namespace", "--timeout", "2m", "--set", "certificates.mode=cert-manager"}
	_, err := runHelm(t, c.kubeconfig, args...)
	if err == nil || !strings.Contains(err.Error(), "install cert-manager first") {
		t.Fatalf("helm install without cert-manager: %v, want the chart's message", err)
	}
	webhookConfig := &unstructured.Unstructured{}
	webhookConfig.SetGroupVersionKind(schema.GroupVersionKind{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "MutatingWebhookConfiguration"})
	webhookConfig.SetName("stagehand")
	if _, err := c.get(ctx, webhookConfig); !apierrors.IsNotFound(err) {
		t.Fatalf("after the failed install, MutatingWebhookConfiguration stagehand: %v, want none", err)
	}
	noFailClosedWithoutCA(t, c)

	crds, err := testenv.CertManagerCRDs()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := envtest.InstallCRDs(c.Env.Env.Config, envtest.CRDInstallOptions{Paths: []string{crds}, ErrorIfPathMissing: true, MaxTime: testenv.WaitTimeout, PollInterval: testenv.PollInterval}); err != nil {
		t.Fatalf("installing cert-manager's CRDs: %v", err)
	}
	installNotIssuing(t, c)
	c.helm(t, args...)
	t.Cleanup(func() { _, _ = runHelm(t, c.kubeconfig, "uninstall", release, "--namespace", ns, "--timeout", "2m") })
	objects := c.releaseObjects(t, ns)
	for _, want := range []string{"Issuer/stagehand-selfsigned", "Certificate/stagehand-ca", "Issuer/stagehand-ca", "Certificate/stagehand-webhook"} {
		kind, name, _ := strings.Cut(want, "/")
		u := find(objects, kind, name)
		if u == nil {
			t.Errorf("the release has no %s", want)
			continue
		}
		if _, err := c.get(ctx, u); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}
	for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		u := mustFind(t, objects, kind, "stagehand")
		got, err := c.get(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if a := got.GetAnnotations()["cert-manager.io/inject-ca-from"]; a != ns+"/stagehand-webhook" {
			t.Errorf("%s stagehand: cert-manager.io/inject-ca-from %q, want %s/stagehand-webhook", kind, a, ns)
		}
	}
}

// helm runs helm against the API server and fails the test on an error.
func (c *cluster) helm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runHelm(t, c.kubeconfig, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// releaseObjects are the objects of the release's manifest (helm get
// manifest): what helm installed, without the CRDs of crds/.
func (c *cluster) releaseObjects(t *testing.T, ns string) []*unstructured.Unstructured {
	t.Helper()
	objects, err := decode(c.helm(t, "get", "manifest", release, "--namespace", ns))
	if err != nil {
		t.Fatal(err)
	}
	if len(objects) == 0 {
		t.Fatal("the release has no objects")
	}
	return objects
}

// get reads the object u names from the API server.
func (c *cluster) get(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(u.GroupVersionKind())
	err := c.Client.Get(ctx, client.ObjectKey{Namespace: u.GetNamespace(), Name: u.GetName()}, got)
	return got, err
}

// crd names the InjectionProfile CRD.
func crd() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	u.SetName(crdName)
	return u
}

// installedTLS is the TLS material of an installation: the CA of the
// mutating webhook's caBundle and of the Secret, and the serving
// certificate, as PEM.
type installedTLS struct{ caBundle, ca, cert string }

func (c *cluster) tls(t *testing.T, ns string) installedTLS {
	t.Helper()
	ctx := context.Background()
	var secret corev1.Secret
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "stagehand-webhook-tls"}, &secret); err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: "admissionregistration.k8s.io", Version: "v1", Kind: "MutatingWebhookConfiguration"})
	u.SetName("stagehand")
	got, err := c.get(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	hooks, _, _ := unstructured.NestedSlice(got.Object, "webhooks")
	var bundles []string
	for _, h := range hooks {
		b, _, _ := unstructured.NestedString(h.(map[string]any), "clientConfig", "caBundle")
		bundles = append(bundles, b)
	}
	if len(bundles) != 2 || bundles[0] != bundles[1] {
		t.Fatalf("the two webhooks have caBundles %d: %v", len(bundles), bundles)
	}
	var ca []byte
	if err := json.Unmarshal([]byte(`"`+bundles[0]+`"`), &ca); err != nil {
		t.Fatal(err)
	}
	return installedTLS{caBundle: string(ca), ca: string(secret.Data["ca.crt"]), cert: string(secret.Data["tls.crt"])}
}

// noOptedInNamespace fails the test when a namespace of the API server
// opted in: the API server would call the webhook's Service for its pods.
func noOptedInNamespace(t *testing.T, c *cluster) {
	t.Helper()
	var list corev1.NamespaceList
	if err := c.Client.List(context.Background(), &list, client.HasLabels{"stagehand.io/inject"}); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) > 0 {
		t.Fatalf("namespace %s opted in: the API server would call the webhook", list.Items[0].Name)
	}
}
