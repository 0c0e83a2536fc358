package chart

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
)

// TestTemplate: helm template succeeds with every value set, and whatever
// the values, what docs/operations.md guarantees holds (guarantees); then
// each set's values show where they should.
func TestTemplate(t *testing.T) {
	for _, v := range valueSets {
		t.Run(v.name, func(t *testing.T) {
			objects := mustTemplate(t, v.templateArgs()...)
			ns := namespace
			if i := slices.Index(v.values, "--namespace"); i >= 0 {
				ns = v.values[i+1]
			}
			guarantees(t, objects, ns)
			if check := valueChecks[v.name]; check != nil {
				check(t, objects)
			}
		})
	}
}

// guarantees checks, in a rendering in namespace ns, what the chart keeps
// whatever its values:
//   - the webhooks and both guard bindings never select kube-system,
//     kube-public, kube-node-lease or the release namespace, and the guards
//     apply exactly where the webhook does;
//   - the entry profiled-pods.stagehand.io fails open (Ignore), so that a
//     pod no profile selects never depends on the webhook;
//   - no webhook configuration is without its CA: in mode self-signed every
//     webhook carries the caBundle of the Secret the webhook serves from; in
//     mode cert-manager both configurations ask cainjector for it, from the
//     Certificate that makes that Secret.
func guarantees(t *testing.T, objects []*unstructured.Unstructured, ns string) {
	t.Helper()
	mutating := typed[admissionregistrationv1.MutatingWebhookConfiguration](t, mustFind(t, objects, "MutatingWebhookConfiguration", "stagehand"))
	validating := typed[admissionregistrationv1.ValidatingWebhookConfiguration](t, mustFind(t, objects, "ValidatingWebhookConfiguration", "stagehand"))
	if len(mutating.Webhooks) != 2 || mutating.Webhooks[0].Name != "pods.stagehand.io" || mutating.Webhooks[1].Name != "profiled-pods.stagehand.io" {
		t.Fatalf("mutating webhooks %v, want pods.stagehand.io and profiled-pods.stagehand.io", webhookNames(mutating))
	}
	if p := ptr.Deref(mutating.Webhooks[1].FailurePolicy, ""); p != admissionregistrationv1.Ignore {
		t.Errorf("profiled-pods.stagehand.io failurePolicy %q, want Ignore", p)
	}
	selector := mutating.Webhooks[0].NamespaceSelector
	excluded := []string{"kube-system", "kube-public", "kube-node-lease", ns}
	for _, w := range mutating.Webhooks {
		checkExcluded(t, w.Name, w.NamespaceSelector, excluded)
		if !equalSelectors(w.NamespaceSelector, selector) {
			t.Errorf("%s namespaceSelector %v, pods.stagehand.io's is %v", w.Name, w.NamespaceSelector, selector)
		}
	}
	for _, name := range []string{"stagehand-guard", "stagehand-profile-guard"} {
		b := typed[admissionregistrationv1.ValidatingAdmissionPolicyBinding](t, mustFind(t, objects, "ValidatingAdmissionPolicyBinding", name))
		mustFind(t, objects, "ValidatingAdmissionPolicy", name)
		if b.Spec.MatchResources == nil || !equalSelectors(b.Spec.MatchResources.NamespaceSelector, selector) {
			t.Errorf("binding %s applies to %v, the webhook to %v", name, b.Spec.MatchResources, selector)
		}
	}
	hooks := map[string]admissionregistrationv1.WebhookClientConfig{}
	for _, w := range mutating.Webhooks {
		hooks[w.Name] = w.ClientConfig
	}
	for _, w := range validating.Webhooks {
		hooks[w.Name] = w.ClientConfig
	}
	for name, cc := range hooks {
		if cc.Service == nil || cc.Service.Name != "stagehand-webhook" || cc.Service.Namespace != ns {
			t.Errorf("%s calls %+v, want the Service stagehand-webhook of %s", name, cc.Service, ns)
		}
	}
	if cert := find(objects, "Certificate", "stagehand-webhook"); cert != nil {
		want := ns + "/stagehand-webhook"
		for kind, anns := range map[string]map[string]string{"MutatingWebhookConfiguration": mutating.Annotations, "ValidatingWebhookConfiguration": validating.Annotations} {
			if anns["cert-manager.io/inject-ca-from"] != want {
				t.Errorf("%s stagehand: cert-manager.io/inject-ca-from %q, want %s", kind, anns["cert-manager.io/inject-ca-from"], want)
			}
		}
		if s, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName"); s != "stagehand-webhook-tls" {
			t.Errorf("the Certificate makes Secret %q, the webhook serves from stagehand-webhook-tls", s)
		}
		return
	}
	secret := typed[corev1.Secret](t, mustFind(t, objects, "Secret", "stagehand-webhook-tls"))
	ca := secret.Data["ca.crt"]
	if len(ca) == 0 || len(secret.Data["tls.crt"]) == 0 || len(secret.Data["tls.key"]) == 0 {
		t.Fatalf("Secret stagehand-webhook-tls has keys %v, want ca.crt, tls.crt and tls.key", slices.Sorted(mapsKeys(secret.Data)))
	}
	for name, cc := range hooks {
		if !bytes.Equal(cc.CABundle, ca) {
			t.Errorf("%s caBundle (%d bytes) is not the Secret's ca.crt (%d bytes)", name, len(cc.CABundle), len(ca))
		}
	}
}

func checkExcluded(t *testing.T, what string, sel *metav1.LabelSelector, excluded []string) {
	t.Helper()
	if sel == nil || len(sel.MatchLabels) == 0 {
		t.Errorf("%s selects every namespace: %v", what, sel)
		return
	}
	var notIn []string
	for _, e := range sel.MatchExpressions {
		if e.Key == corev1.LabelMetadataName && e.Operator == metav1.LabelSelectorOpNotIn {
			notIn = append(notIn, e.Values...)
		}
	}
	for _, ns := range excluded {
		if !slices.Contains(notIn, ns) {
			t.Errorf("%s may select namespace %s: %s NotIn %v", what, ns, corev1.LabelMetadataName, notIn)
		}
	}
}

func equalSelectors(a, b *metav1.LabelSelector) bool {
	return a != nil && b != nil && a.String() == b.String()
}

func webhookNames(c *admissionregistrationv1.MutatingWebhookConfiguration) []string {
	var out []string
	for _, w := range c.Webhooks {
		out = append(out, w.Name)
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// deployment returns the webhook's Deployment, its container and its env.
func deployment(t *testing.T, objects []*unstructured.Unstructured) (*appsv1.Deployment, corev1.Container, map[string]string) {
	t.Helper()
	d := typed[appsv1.Deployment](t, mustFind(t, objects, "Deployment", "stagehand-webhook"))
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want the webhook's", len(d.Spec.Template.Spec.Containers))
	}
	c := d.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	return d, c, env
}

// valueChecks check, per value set, that its values show where they should.
var valueChecks = map[string]func(*testing.T, []*unstructured.Unstructured){
	"defaults": func(t *testing.T, objects []*unstructured.Unstructured) {
		_, c, env := deployment(t, objects)
		if c.Image != "ghcr.io/stagehand-k8s/webhook:v0.1.0" || env["STAGEHAND_AGENT_IMAGE"] != "ghcr.io/stagehand-k8s/agent:v0.1.0" {
			t.Errorf("images %s and %s, want the release's (appVersion v0.1.0)", c.Image, env["STAGEHAND_AGENT_IMAGE"])
		}
		// The chart generated the CA: it keeps it for the next upgrade.
		mustFind(t, objects, "Secret", "stagehand-webhook-ca")
		if find(objects, "ServiceMonitor", "stagehand-webhook") != nil {
			t.Error("a ServiceMonitor without monitoring.serviceMonitor.enabled")
		}
	},
	"profiles off": func(t *testing.T, objects []*unstructured.Unstructured) {
		d, _, env := deployment(t, objects)
		if env["STAGEHAND_PROFILES"] != "false" || ptr.Deref(d.Spec.Template.Spec.AutomountServiceAccountToken, true) {
			t.Errorf("STAGEHAND_PROFILES %q, automountServiceAccountToken %v: want false, no token", env["STAGEHAND_PROFILES"], d.Spec.Template.Spec.AutomountServiceAccountToken)
		}
		for _, kind := range []string{"ClusterRole", "ClusterRoleBinding"} {
			if find(objects, kind, "stagehand-webhook") != nil {
				t.Errorf("%s stagehand-webhook with profiles off: the webhook makes no API call", kind)
			}
		}
		// The profile guard and the CRD stay: a profile in an opted-in
		// namespace is refused rather than silently ignored.
		mustFind(t, objects, "ValidatingAdmissionPolicy", "stagehand-profile-guard")
		mustFind(t, objects, "CustomResourceDefinition", "injectionprofiles.stagehand.io")
	},
	"custom images": func(t *testing.T, objects []*unstructured.Unstructured) {
		d, c, env := deployment(t, objects)
		if c.Image != mirror+"/webhook:v0.1.0-mirror" {
			t.Errorf("webhook image %s", c.Image)
		}
		if env["STAGEHAND_AGENT_IMAGE"] != mirror+"/agent@"+agentDigest {
			t.Errorf("STAGEHAND_AGENT_IMAGE %s, want the mirror's agent by digest", env["STAGEHAND_AGENT_IMAGE"])
		}
		if s := d.Spec.Template.Spec.ImagePullSecrets; len(s) != 1 || s[0].Name != "mirror-credentials" {
			t.Errorf("imagePullSecrets %v", s)
		}
	},
	"settings": func(t *testing.T, objects []*unstructured.Unstructured) {
		d, c, env := deployment(t, objects)
		if ptr.Deref(d.Spec.Replicas, 0) != 1 || find(objects, "PodDisruptionBudget", "stagehand-webhook") != nil {
			t.Errorf("replicas %v with a PodDisruptionBudget %v: one replica has none, it would block drains", ptr.Deref(d.Spec.Replicas, 0), find(objects, "PodDisruptionBudget", "stagehand-webhook") != nil)
		}
		want := map[string]string{
			"STAGEHAND_STRICT": "true", "STAGEHAND_CACHE_SIZE": "0", "STAGEHAND_LOG_LEVEL": "debug",
			"STAGEHAND_ALLOWED_DEPENDENCY_HOSTS": "repo1.maven.org,*.artifacts.example.com",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s=%q, want %q", k, env[k], v)
			}
		}
		if c.Resources.Limits.Memory().String() != "512Mi" || c.Resources.Requests.Cpu().String() != "100m" {
			t.Errorf("resources %v, want the memory limit set and the rest of the defaults", c.Resources)
		}
		m := typed[admissionregistrationv1.MutatingWebhookConfiguration](t, mustFind(t, objects, "MutatingWebhookConfiguration", "stagehand"))
		first, second := m.Webhooks[0], m.Webhooks[1]
		if ptr.Deref(first.FailurePolicy, "") != admissionregistrationv1.Ignore || ptr.Deref(first.TimeoutSeconds, 0) != 10 || ptr.Deref(second.TimeoutSeconds, 0) != 2 {
			t.Errorf("failurePolicy %v timeouts %v %v, want Ignore, 10 and 2", ptr.Deref(first.FailurePolicy, ""), ptr.Deref(first.TimeoutSeconds, 0), ptr.Deref(second.TimeoutSeconds, 0))
		}
		sel := first.NamespaceSelector
		if sel.MatchLabels["team"] != "data" || sel.MatchLabels["stagehand.io/inject"] != "enabled" {
			t.Errorf("namespace labels %v, want the opt-in label and team=data", sel.MatchLabels)
		}
		checkExcluded(t, first.Name, sel, []string{"batch-system"})
		cm := typed[corev1.ConfigMap](t, mustFind(t, objects, "ConfigMap", "stagehand-entrypoints"))
		if e := cm.Data["entrypoints.yaml"]; !strings.Contains(e, "mr3project/hive:*") || !strings.Contains(e, "apache/spark:*") {
			t.Errorf("entrypoints %q, want the default's and the values'", e)
		}
		sm := mustFind(t, objects, "ServiceMonitor", "stagehand-webhook")
		if sm.GetLabels()["release"] != "prometheus" {
			t.Errorf("ServiceMonitor labels %v", sm.GetLabels())
		}
	},
	"another namespace": func(t *testing.T, objects []*unstructured.Unstructured) {
		secret := typed[corev1.Secret](t, mustFind(t, objects, "Secret", "stagehand-webhook-tls"))
		leaf := parseCert(t, secret.Data["tls.crt"])
		if !slices.Contains(leaf.DNSNames, "stagehand-webhook.platform-webhooks.svc") {
			t.Errorf("serving certificate for %v, want stagehand-webhook.platform-webhooks.svc", leaf.DNSNames)
		}
		if ns := mustFind(t, objects, "Namespace", "platform-webhooks"); ns.GetLabels()["pod-security.kubernetes.io/enforce"] != "restricted" {
			t.Errorf("namespace labels %v, want PodSecurity restricted", ns.GetLabels())
		}
	},
}
