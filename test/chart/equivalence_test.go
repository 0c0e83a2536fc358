package chart

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/diff"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/internal/certs"
	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// helmLabels are the labels the chart adds to every object and kustomize
// does not: they name the release and the chart, not what is installed.
var helmLabels = []string{
	"app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "app.kubernetes.io/version", "helm.sh/chart",
}

// TestSameObjectsAsKustomize: with its default values, the chart renders
// the objects kustomize builds from the overlay of the same certificate
// mode: the same kinds and names, and equal objects but for Helm's standard
// labels. For self-signed, the chart is given the certificates the overlay
// reads (certs/ made by internal/certs as `make certs` does), so that the
// Secret and the caBundle compare too.
//
// Two normalisations besides the labels, of how values are written, not of
// what they are: the entrypoint map of the ConfigMap stagehand-entrypoints
// is compared as YAML, since the base's carries comments and the chart's is
// values.entrypoints as toYaml writes it; and base64 (Secret data, caBundle)
// as the bytes it encodes, since kustomize breaks its lines. The chart's own
// extras are left out by its defaults (the Secret
// stagehand-webhook-ca exists only when the chart generates the CA; the
// ServiceMonitor only when enabled).
func TestSameObjectsAsKustomize(t *testing.T) {
	t.Run("self-signed", func(t *testing.T) {
		built, tlsDir := kustomizeSelfSigned(t)
		rendered := mustTemplate(t,
			"--set-file", "certificates.selfSigned.caCert="+filepath.Join(tlsDir, "ca.crt"),
			"--set-file", "certificates.selfSigned.cert="+filepath.Join(tlsDir, "tls.crt"),
			"--set-file", "certificates.selfSigned.key="+filepath.Join(tlsDir, "tls.key"))
		compareObjects(t, built, rendered)
	})
	t.Run("cert-manager", func(t *testing.T) {
		rendered := mustTemplate(t, "--set", "certificates.mode=cert-manager", "--api-versions", "cert-manager.io/v1")
		compareObjects(t, kustomizeCertManager(t), rendered)
	})
}

// kustomizeCertManager builds the two steps of the installation with
// cert-manager, manifests/cert-manager and manifests/cert-manager/webhooks,
// without what makes kubectl's partial apply safe and Helm has no need
// of: the policy stagehand-webhook-ca and the label of the webhook
// configurations that it applies to. kubectl applies every object it can,
// so that without cert-manager's CRDs one kustomization would leave the
// webhook configurations without a caBundle; helm renders every template
// first, and the chart refuses to render in mode cert-manager when the
// cluster does not serve cert-manager.io/v1, before any object is created
// (TestInstallCertManager).
func kustomizeCertManager(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, dir := range []string{"cert-manager", "cert-manager/webhooks"} {
		built, err := overlay.Build(filepath.Join(repoRoot, "manifests", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range built {
			if u.GetName() == "stagehand-webhook-ca" && strings.HasPrefix(u.GetKind(), "ValidatingAdmissionPolicy") {
				continue
			}
			if labels := u.GetLabels(); labels[caBundleLabel] != "" {
				delete(labels, caBundleLabel)
				u.SetLabels(labels)
			}
			out = append(out, u)
		}
	}
	return out
}

// caBundleLabel puts the webhook configurations of
// manifests/cert-manager/webhooks under stagehand-webhook-ca.
const caBundleLabel = "stagehand.io/ca-bundle"

// compareObjects fails the test for every object one side has and the
// other has not, and for every pair that differs after normalisation.
func compareObjects(t *testing.T, built, rendered []*unstructured.Unstructured) {
	t.Helper()
	want, got := index(t, built, false), index(t, rendered, true)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := got[k]; !ok {
			t.Errorf("kustomize builds %s, the chart does not render it", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		w, ok := want[k]
		if !ok {
			t.Errorf("the chart renders %s, kustomize does not build it", k)
			continue
		}
		if d := diff.Diff(w.Object, got[k].Object); !equalJSON(t, w.Object, got[k].Object) {
			t.Errorf("%s differs (- kustomize, + chart):\n%s", k, d)
		}
	}
}

// index normalises objects by Kind/namespace/name. The chart's must carry
// Helm's labels, which are then removed; kustomize's must not.
func index(t *testing.T, objects []*unstructured.Unstructured, chart bool) map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]*unstructured.Unstructured{}
	for _, u := range objects {
		k := u.GetKind() + "/" + u.GetNamespace() + "/" + u.GetName()
		if _, dup := out[k]; dup {
			t.Errorf("%s twice", k)
		}
		c := u.DeepCopy()
		labels := c.GetLabels()
		for _, l := range helmLabels {
			_, has := labels[l]
			switch {
			case chart && !has && c.GetKind() != "CustomResourceDefinition":
				t.Errorf("the chart's %s has no label %s", k, l)
			case !chart && has:
				t.Errorf("kustomize's %s has Helm's label %s", k, l)
			}
			delete(labels, l)
		}
		if len(labels) == 0 {
			labels = nil
		}
		c.SetLabels(labels)
		if c.GetKind() == "ConfigMap" && c.GetName() == "stagehand-entrypoints" {
			canonicalEntrypoints(t, c)
		}
		canonicalBase64(t, c)
		out[k] = c
	}
	return out
}

// canonicalEntrypoints replaces the entrypoint map's YAML by its JSON.
func canonicalEntrypoints(t *testing.T, cm *unstructured.Unstructured) {
	t.Helper()
	raw, _, _ := unstructured.NestedString(cm.Object, "data", "entrypoints.yaml")
	j, err := yaml.YAMLToJSON([]byte(raw))
	if err != nil {
		t.Fatalf("ConfigMap stagehand-entrypoints: %v", err)
	}
	var m map[string][]string
	if err := json.Unmarshal(j, &m); err != nil || len(m) == 0 {
		t.Fatalf("ConfigMap stagehand-entrypoints: the map %q is not a non-empty map of lists (%v)", raw, err)
	}
	canonical, _ := json.Marshal(m)
	if err := unstructured.SetNestedField(cm.Object, string(canonical), "data", "entrypoints.yaml"); err != nil {
		t.Fatal(err)
	}
}

// canonicalBase64 writes the bytes of a Secret's data and of a webhook's
// caBundle as base64 on one line: kustomize's secretGenerator breaks its
// lines every 76 characters, which the API server's decoding ignores.
func canonicalBase64(t *testing.T, u *unstructured.Unstructured) {
	t.Helper()
	recode := func(v any) any {
		s, ok := v.(string)
		if !ok {
			return v
		}
		b, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "\n", ""))
		if err != nil {
			t.Errorf("%s %s: a value is not base64: %v", u.GetKind(), u.GetName(), err)
			return v
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	switch u.GetKind() {
	case "Secret":
		data, _, _ := unstructured.NestedMap(u.Object, "data")
		for k, v := range data {
			data[k] = recode(v)
		}
		if data != nil {
			_ = unstructured.SetNestedMap(u.Object, data, "data")
		}
	case "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration":
		hooks, _, _ := unstructured.NestedSlice(u.Object, "webhooks")
		for _, h := range hooks {
			if cc, ok := h.(map[string]any)["clientConfig"].(map[string]any); ok && cc["caBundle"] != nil {
				cc["caBundle"] = recode(cc["caBundle"])
			}
		}
		_ = unstructured.SetNestedSlice(u.Object, hooks, "webhooks")
	}
}

// equalJSON compares two objects by their JSON.
func equalJSON(t *testing.T, a, b map[string]any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("marshalling: %v %v", err1, err2)
	}
	return string(ja) == string(jb)
}

// kustomizeSelfSigned builds manifests/self-signed as `make certs` and
// `kubectl apply -k` would, in a copy of manifests/ and certs/kustomization.yaml
// side by side (none of a developer's certificates), with certificates
// generated into the copy's certs/; it returns the objects and that
// directory.
func kustomizeSelfSigned(t *testing.T) ([]*unstructured.Unstructured, string) {
	t.Helper()
	root := t.TempDir()
	if err := overlay.CopyTree(filepath.Join(repoRoot, "manifests"), filepath.Join(root, "manifests")); err != nil {
		t.Fatalf("copying manifests: %v", err)
	}
	tlsDir := filepath.Join(root, "certs")
	k, err := os.ReadFile(filepath.Join(repoRoot, "certs", "kustomization.yaml"))
	if err == nil {
		err = os.MkdirAll(tlsDir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(tlsDir, "kustomization.yaml"), k, 0o644)
	}
	if err != nil {
		t.Fatalf("copying certs/kustomization.yaml: %v", err)
	}
	if _, err := certs.Generate(certs.Options{
		Service: "stagehand-webhook", Namespace: namespace, Dir: tlsDir, Validity: 24 * time.Hour,
	}); err != nil {
		t.Fatal(err)
	}
	objects, err := overlay.Build(filepath.Join(root, "manifests", "self-signed"))
	if err != nil {
		t.Fatal(err)
	}
	return objects, tlsDir
}
