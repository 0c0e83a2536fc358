package checkup

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/stagehand-k8s/stagehand/internal/certs"
	"github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Items as the report names them for an installation in stagehand-system.
const (
	ns            = "stagehand-system"
	itemCRD       = "CRD injectionprofiles.stagehand.io"
	itemCM        = "cert-manager"
	itemCert      = "Certificate stagehand-system/stagehand-webhook"
	itemDeploy    = "Deployment stagehand-system/stagehand-webhook"
	itemService   = "Service stagehand-system/stagehand-webhook"
	itemCABundle  = "CA bundle"
	itemServing   = "serving certificate"
	itemGuard     = "ValidatingAdmissionPolicy stagehand-guard"
	itemProfGuard = "ValidatingAdmissionPolicy stagehand-profile-guard"
)

// The install commands of README.md.
var installCommands = []string{
	installCertManager,
	"make certs && kubectl apply -k manifests/self-signed",
	"helm install stagehand charts/stagehand -n stagehand-system --create-namespace",
}

// TestInstallation checks an API server before stagehand is installed,
// with manifests/cert-manager applied but no cert-manager running, then
// with manifests/self-signed: no controller runs, so the Deployment never
// has a replica available and its Service no endpoint.
//
// The webhook configurations keep their Service, whose name the serving
// certificate is checked for; nothing here creates a pod or an
// InjectionProfile, the only objects the API server would call them for
// (noCalls), so the API server never reaches for the Service's address.
func TestInstallation(t *testing.T) {
	e := shared.Get(t)
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"before install", func(t *testing.T) {
			r := check(t, e.Env.Config, Detect)
			expect(t, r, map[string]Status{itemAPIServer: Pass, itemCRD: Fail, itemDeploy: Fail, itemService: Fail,
				itemCABundle: Fail, itemServing: Fail, itemGuard: Fail, itemProfGuard: Fail, itemNamespaces: Skip})
			for _, res := range r {
				if res.Status == Fail && !containsAll(res.Hint, installCommands...) {
					t.Errorf("%s fails with hint %q, want the install commands %q", res.Item, res.Hint, installCommands)
				}
			}
			if r.Failed() == 0 {
				t.Error("nothing installed, and no item failed")
			}
		}},
		{"before install with cert-manager", func(t *testing.T) {
			r := check(t, e.Env.Config, CertManager)
			expectSome(t, r, map[string]Status{itemCM: Fail, itemCRD: Fail})
			if res, _ := r.Find(itemCM); !strings.Contains(res.Found, "cert-manager.io/v1 is not served") ||
				!strings.Contains(res.Hint, "install cert-manager first") {
				t.Errorf("cert-manager missing: %+v", res)
			}
			if res, _ := r.Find(itemCRD); !strings.Contains(res.Hint, installCommands[0]) || strings.Contains(res.Hint, "self-signed") {
				t.Errorf("with --certificates cert-manager, the hint %q should install manifests/cert-manager only", res.Hint)
			}
		}},
		{"cert-manager's CRDs installed", func(t *testing.T) {
			crds, err := testenv.CertManagerCRDs()
			if err == nil {
				_, err = envtest.InstallCRDs(e.Env.Config, envtest.CRDInstallOptions{Paths: []string{crds}, MaxTime: testenv.WaitTimeout})
			}
			if err != nil {
				t.Fatal(err)
			}
			r := check(t, e.Env.Config, CertManager)
			expectSome(t, r, map[string]Status{itemCM: Pass})
		}},
		{"manifests/cert-manager without cert-manager running", func(t *testing.T) {
			apply(t, e, buildOverlay(t, filepath.Join(manifestsDir, "cert-manager")))
			r := checkInstalled(t, e.Env.Config)
			// Whether the webhook configurations are there depends on the
			// layout of manifests/cert-manager: the next step has them.
			expectSome(t, r, map[string]Status{itemAPIServer: Pass, itemCRD: Pass, itemCM: Pass, itemCert: Fail, itemDeploy: Fail,
				itemService: Fail, itemCABundle: Fail, itemServing: Fail, itemGuard: Pass, itemProfGuard: Pass})
			describe := "kubectl -n stagehand-system describe certificate stagehand-webhook"
			for item, want := range map[string]string{
				itemCert:    "no Ready condition",
				itemServing: "Secret stagehand-system/stagehand-webhook-tls not found",
			} {
				if res, _ := r.Find(item); !strings.Contains(res.Found, want) || !strings.Contains(res.Hint, describe) {
					t.Errorf("%s: %+v, want %q and the hint %q", item, res, want, describe)
				}
			}
		}},
		{"cert-manager issued the Certificate, its cainjector does not run", func(t *testing.T) {
			certificateReady(t, e)
			if webhooks := filepath.Join(manifestsDir, "cert-manager", "webhooks"); exists(webhooks) {
				applyEventually(t, e, buildOverlay(t, webhooks))
			}
			r := checkInstalled(t, e.Env.Config)
			expect(t, r, map[string]Status{itemAPIServer: Pass, itemCRD: Pass, itemCM: Pass, itemCert: Pass, itemDeploy: Fail,
				itemService: Fail, itemCABundle: Fail, itemServing: Fail, itemGuard: Pass, itemProfGuard: Pass, itemNamespaces: Warn})
			describe := "kubectl -n stagehand-system describe certificate stagehand-webhook"
			if res, _ := r.Find(itemCABundle); !strings.Contains(res.Found, "no caBundle in webhooks pods.stagehand.io, profiled-pods.stagehand.io, injectionprofiles.stagehand.io") ||
				!strings.Contains(res.Hint, describe) {
				t.Errorf("CA bundle: %+v, want every webhook named and the hint %q", res, describe)
			}
		}},
		{"manifests/self-signed", func(t *testing.T) {
			apply(t, e, buildOverlay(t, selfSignedCopy(t)))
			r := checkInstalled(t, e.Env.Config)
			expect(t, r, map[string]Status{itemAPIServer: Pass, itemCRD: Pass, itemDeploy: Fail, itemService: Fail,
				itemCABundle: Pass, itemServing: Pass, itemGuard: Pass, itemProfGuard: Pass, itemNamespaces: Warn})
			for item, want := range map[string]string{
				itemDeploy:     "0 of 2 available",
				itemService:    "no ready endpoint",
				itemServing:    "names stagehand-webhook.stagehand-system.svc",
				itemCABundle:   "in all 3 webhooks",
				itemNamespaces: "none",
			} {
				if res, _ := r.Find(item); !strings.Contains(res.Found, want) {
					t.Errorf("%s: %q, want %q", item, res.Found, want)
				}
			}
			if res, _ := r.Find(itemNamespaces); res.Hint != "kubectl label namespace NAME stagehand.io/inject=enabled" {
				t.Errorf("no namespace opted in: hint %q", res.Hint)
			}
			if res, _ := r.Find(itemDeploy); !strings.Contains(res.Hint, "kubectl -n stagehand-system rollout status deployment/stagehand-webhook") {
				t.Errorf("Deployment: hint %q", res.Hint)
			}
		}},
		{"a namespace opted in", func(t *testing.T) {
			for name, labels := range map[string]map[string]string{
				"checkup-opted-in": {annotations.NamespaceLabel: annotations.NamespaceLabelEnabled},
				"checkup-other":    {annotations.NamespaceLabel: "disabled"},
			} {
				if err := e.Client.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}); err != nil {
					t.Fatal(err)
				}
			}
			r := checkInstalled(t, e.Env.Config)
			if res, _ := r.Find(itemNamespaces); res.Status != Pass || !strings.HasPrefix(res.Found, "1 by the webhook's namespaceSelector") ||
				!strings.HasSuffix(res.Found, ": checkup-opted-in") {
				t.Errorf("one namespace opted in: %+v", res)
			}
		}},
		{"a guard binding that only warns", func(t *testing.T) {
			binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
			if err := e.Client.Get(t.Context(), client.ObjectKey{Name: "stagehand-guard"}, binding); err != nil {
				t.Fatal(err)
			}
			binding.Spec.ValidationActions = []admissionregistrationv1.ValidationAction{admissionregistrationv1.Warn}
			if err := e.Client.Update(t.Context(), binding); err != nil {
				t.Fatal(err)
			}
			res, _ := checkInstalled(t, e.Env.Config).Find(itemGuard)
			if res.Status != Fail || !strings.Contains(res.Found, "without Deny") {
				t.Fatalf("a binding without Deny: %+v", res)
			}
			// The hint's command repairs it.
			_, patch, ok := strings.Cut(res.Hint, "-p '")
			if !ok {
				t.Fatalf("hint %q has no patch", res.Hint)
			}
			raw := client.RawPatch(types.MergePatchType, []byte(strings.TrimSuffix(patch, "'")))
			if err := e.Client.Patch(t.Context(), binding, raw); err != nil {
				t.Fatal(err)
			}
			if res, _ := checkInstalled(t, e.Env.Config).Find(itemGuard); res.Status != Pass {
				t.Errorf("after the hint's patch: %+v", res)
			}
		}},
		{"a user who cannot read Secrets", func(t *testing.T) {
			res, _ := checkInstalled(t, readerWithoutSecrets(t, e)).Find(itemServing)
			if res.Status != Skip || !strings.Contains(res.Found, "cannot read Secret stagehand-system/stagehand-webhook-tls") ||
				!strings.Contains(res.Found, "forbidden") {
				t.Errorf("Secret forbidden: %+v", res)
			}
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// check runs a check as cfg's user.
func check(t *testing.T, cfg *rest.Config, mode Certificates) Report {
	t.Helper()
	c, err := ForConfig(cfg, Options{Namespace: ns, Certificates: mode, Timeout: testenv.RequestTimeout})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = r.Write(&b)
	t.Logf("kubectl stagehand check:\n%s", b.String())
	return r
}

// checkInstalled checks once the API server serves the CRD just applied.
func checkInstalled(t *testing.T, cfg *rest.Config) Report {
	t.Helper()
	var r Report
	err := wait.PollUntilContextTimeout(t.Context(), testenv.PollInterval, testenv.WaitTimeout, true, func(context.Context) (bool, error) {
		c, err := ForConfig(cfg, Options{Namespace: ns, Timeout: testenv.RequestTimeout})
		if err != nil {
			return false, err
		}
		r, err = c.Run(t.Context())
		res, _ := r.Find(itemCRD)
		return res.Status == Pass, err
	})
	if err != nil {
		t.Fatalf("the CRD never passed: %v", err)
	}
	return check(t, cfg, Detect)
}

// expect fails unless r has exactly these items, with these statuses.
func expect(t *testing.T, r Report, want map[string]Status) {
	t.Helper()
	var items []string
	for _, res := range r {
		items = append(items, res.Item)
	}
	if got, w := slices.Sorted(slices.Values(items)), slices.Sorted(maps.Keys(want)); !slices.Equal(got, w) {
		t.Errorf("items %q, want %q", got, w)
	}
	expectSome(t, r, want)
}

// expectSome fails unless these items of r have these statuses.
func expectSome(t *testing.T, r Report, want map[string]Status) {
	t.Helper()
	for item, status := range want {
		res, ok := r.Find(item)
		if !ok || res.Status != status {
			t.Errorf("%s: %s %q, want %s", item, res.Status, res.Found, status)
		}
		if (res.Status == Fail || res.Status == Warn) && res.Hint == "" {
			t.Errorf("%s: %s without a hint", item, res.Status)
		}
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// manifestsDir is the repository's manifests/.
const manifestsDir = "../../manifests"

// fieldOwner applies every overlay, so that applying one removes what
// another set and it does not.
const fieldOwner = client.FieldOwner("checkup-test")

func buildOverlay(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	objects, err := overlay.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	return objects
}

// selfSignedCopy is manifests/ and certs/kustomization.yaml copied side by
// side, with certificates made as `make certs` makes them; it returns the
// copy's manifests/self-signed.
func selfSignedCopy(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := overlay.CopyTree(manifestsDir, filepath.Join(root, "manifests")); err != nil {
		t.Fatal(err)
	}
	if err := overlay.CopyTree("../../certs", filepath.Join(root, "certs"), "kustomization.yaml"); err != nil {
		t.Fatal(err)
	}
	_, err := certs.Generate(certs.Options{Service: "stagehand-webhook", Namespace: ns, Dir: filepath.Join(root, "certs"), Validity: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "manifests", "self-signed")
}

// apply applies objects server-side, as one field manager, so that applying
// another overlay removes what the first set and the second does not.
func apply(t *testing.T, e *testenv.Env, objects []*unstructured.Unstructured) {
	t.Helper()
	noCalls(t, objects)
	for _, u := range objects {
		err := e.Client.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(u.DeepCopy()), fieldOwner, client.ForceOwnership)
		if err != nil {
			t.Fatalf("applying %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
}

// noCalls fails the test before it applies an object the API server would
// call the webhook's Service for.
func noCalls(t *testing.T, objects []*unstructured.Unstructured) {
	t.Helper()
	for _, u := range objects {
		if k := u.GetKind(); k == "Pod" || k == "InjectionProfile" {
			t.Fatalf("%s %s: the API server would call the webhook's Service for it", k, u.GetName())
		}
	}
}

// certificateReady sets the Certificate Ready, as cert-manager would once
// it has issued it.
func certificateReady(t *testing.T, e *testenv.Env) {
	t.Helper()
	cert := &unstructured.Unstructured{}
	cert.SetAPIVersion("cert-manager.io/v1")
	cert.SetKind("Certificate")
	if err := e.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "stagehand-webhook"}, cert); err != nil {
		t.Fatal(err)
	}
	ready := map[string]any{"type": "Ready", "status": "True", "reason": "Ready",
		"message": "Certificate is up to date and has not expired", "lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}
	if err := unstructured.SetNestedSlice(cert.Object, []any{ready}, "status", "conditions"); err != nil {
		t.Fatal(err)
	}
	if err := e.Client.Status().Update(t.Context(), cert); err != nil {
		t.Fatal(err)
	}
}

// applyEventually applies objects until the API server takes them: a
// policy that admits them may need a moment to see a CRD or its parameter.
func applyEventually(t *testing.T, e *testenv.Env, objects []*unstructured.Unstructured) {
	t.Helper()
	noCalls(t, objects)
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), time.Second, 2*testenv.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		for _, u := range objects {
			last = e.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()), fieldOwner, client.ForceOwnership)
			if last != nil {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("applying: %v (last: %v)", err, last)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// readerWithoutSecrets is a user who may read everything check reads but
// Secrets.
func readerWithoutSecrets(t *testing.T, e *testenv.Env) *rest.Config {
	t.Helper()
	const name = "checkup-reader"
	read := []string{"get", "list"}
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"services", "namespaces"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: read},
		{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
		{APIGroups: []string{"apiextensions.k8s.io"}, Resources: []string{"customresourcedefinitions"}, Verbs: read},
		{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"*"}, Verbs: read},
		{APIGroups: []string{"cert-manager.io"}, Resources: []string{"*"}, Verbs: read},
	}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}}}
	for _, o := range []client.Object{role, binding} {
		if err := e.Client.Create(t.Context(), o); err != nil {
			t.Fatal(err)
		}
	}
	user, err := e.Env.AddUser(envtest.User{Name: name}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return user.Config()
}
