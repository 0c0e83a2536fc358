package manifests

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"maps"
	"reflect"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/diff"
	"k8s.io/utils/ptr"

	stagehandoverlay "github.com/stagehand-k8s/stagehand/internal/overlay"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// systemNamespaces are never injected nor guarded.
var systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "stagehand-system"}

func webhookConfiguration(t *testing.T, o *overlay) *admissionregistrationv1.MutatingWebhookConfiguration {
	t.Helper()
	cfg := typed[admissionregistrationv1.MutatingWebhookConfiguration](t, o.find(t, "MutatingWebhookConfiguration", "stagehand"))
	if len(cfg.Webhooks) != 2 {
		t.Fatalf("%d webhooks, want 2: pods with stagehand.io/ annotations, and the others", len(cfg.Webhooks))
	}
	return cfg
}

func profileWebhookConfiguration(t *testing.T, o *overlay) *admissionregistrationv1.ValidatingWebhookConfiguration {
	t.Helper()
	cfg := typed[admissionregistrationv1.ValidatingWebhookConfiguration](t, o.find(t, "ValidatingWebhookConfiguration", "stagehand"))
	if len(cfg.Webhooks) != 1 {
		t.Fatalf("%d validating webhooks, want 1", len(cfg.Webhooks))
	}
	return cfg
}

func TestWebhookConfiguration(t *testing.T) {
	base := buildOverlay(t, "base")
	for i, w := range webhookConfiguration(t, base).Webhooks {
		svc := w.ClientConfig.Service
		if svc == nil || svc.Name != "stagehand-webhook" || svc.Namespace != "stagehand-system" || ptr.Deref(svc.Port, 0) != 443 || ptr.Deref(svc.Path, "") != webhook.Path {
			t.Errorf("%s: clientConfig.service %+v, want stagehand-webhook.stagehand-system:443%s", w.Name, svc, webhook.Path)
		}
		if len(w.Rules) != 1 || !slices.Equal(w.Rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}) ||
			!slices.Equal(w.Rules[0].Resources, []string{"pods"}) {
			t.Errorf("%s: rules %+v, want Pod CREATE only", w.Name, w.Rules)
		}
		checkNamespaceSelector(t, w.Name, w.NamespaceSelector.MatchLabels, w.NamespaceSelector.MatchExpressions)
		if len(w.MatchConditions) == 0 {
			t.Errorf("%s: no matchConditions: the two webhooks would both take every pod", w.Name)
		}
		// Pods that asked for injection fail closed; the others must not
		// depend on the webhook (stagehand-profile-guard refuses a selected
		// pod that was not injected).
		policy := []admissionregistrationv1.FailurePolicyType{admissionregistrationv1.Fail, admissionregistrationv1.Ignore}[i]
		if ptr.Deref(w.FailurePolicy, "") != policy || ptr.Deref(w.TimeoutSeconds, 10) > 5 ||
			ptr.Deref(w.ReinvocationPolicy, "") != admissionregistrationv1.IfNeededReinvocationPolicy ||
			ptr.Deref(w.SideEffects, "") != admissionregistrationv1.SideEffectClassNoneOnDryRun || !slices.Equal(w.AdmissionReviewVersions, []string{"v1"}) {
			t.Errorf("%s: failurePolicy %v (want %v) timeoutSeconds %v reinvocationPolicy %v sideEffects %v admissionReviewVersions %v", w.Name,
				ptr.Deref(w.FailurePolicy, ""), policy, ptr.Deref(w.TimeoutSeconds, 0), ptr.Deref(w.ReinvocationPolicy, ""), ptr.Deref(w.SideEffects, ""), w.AdmissionReviewVersions)
		}
	}
	v := profileWebhookConfiguration(t, base).Webhooks[0]
	if svc := v.ClientConfig.Service; svc == nil || svc.Name != "stagehand-webhook" || ptr.Deref(svc.Path, "") != webhook.ProfilePath {
		t.Errorf("profile validator clientConfig.service %+v, want stagehand-webhook%s", svc, webhook.ProfilePath)
	}
	if len(v.Rules) != 1 || !slices.Equal(v.Rules[0].Resources, []string{"injectionprofiles"}) || !slices.Equal(v.Rules[0].APIGroups, []string{"stagehand.io"}) ||
		!slices.Equal(v.Rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}) ||
		ptr.Deref(v.FailurePolicy, "") != admissionregistrationv1.Fail {
		t.Errorf("profile validator rules %+v failurePolicy %v, want CREATE and UPDATE of injectionprofiles, failing closed", v.Rules, ptr.Deref(v.FailurePolicy, ""))
	}
}

func checkNamespaceSelector(t *testing.T, what string, labels map[string]string, exprs []metav1.LabelSelectorRequirement) {
	t.Helper()
	if labels[annotations.NamespaceLabel] != annotations.NamespaceLabelEnabled || len(exprs) != 1 ||
		exprs[0].Key != corev1.LabelMetadataName || exprs[0].Operator != "NotIn" || !sameElements(exprs[0].Values, systemNamespaces) {
		t.Errorf("%s namespaceSelector %v %+v, want %s=%s, not in %v", what, labels, exprs,
			annotations.NamespaceLabel, annotations.NamespaceLabelEnabled, systemNamespaces)
	}
}

func TestGuardPolicy(t *testing.T) {
	base := buildOverlay(t, "base")
	p := typed[admissionregistrationv1.ValidatingAdmissionPolicy](t, base.find(t, "ValidatingAdmissionPolicy", "stagehand-guard"))
	b := typed[admissionregistrationv1.ValidatingAdmissionPolicyBinding](t, base.find(t, "ValidatingAdmissionPolicyBinding", "stagehand-guard"))
	rules := p.Spec.MatchConstraints.ResourceRules
	if len(rules) != 1 || !slices.Equal(rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}) ||
		!slices.Equal(rules[0].Resources, []string{"pods"}) {
		t.Errorf("policy resourceRules %+v, want Pod CREATE", rules)
	}
	if ptr.Deref(p.Spec.FailurePolicy, "") != admissionregistrationv1.Fail || len(p.Spec.MatchConditions) == 0 || len(p.Spec.Validations) == 0 {
		t.Errorf("policy failurePolicy %v, %d matchConditions, %d validations", ptr.Deref(p.Spec.FailurePolicy, ""), len(p.Spec.MatchConditions), len(p.Spec.Validations))
	}
	for i, v := range p.Spec.Validations {
		if v.MessageExpression == "" {
			t.Errorf("validation %d (%s) has no messageExpression", i, v.Expression)
		}
	}
	if b.Spec.PolicyName != p.Name || !slices.Equal(b.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}) {
		t.Errorf("binding policy %q actions %v, want %s [Deny]", b.Spec.PolicyName, b.Spec.ValidationActions, p.Name)
	}
	sel := b.Spec.MatchResources.NamespaceSelector
	if sel == nil {
		t.Fatal("the binding has no namespaceSelector")
	}
	checkNamespaceSelector(t, "binding", sel.MatchLabels, sel.MatchExpressions)
}

// TestCertManagerOverlay: the installation with cert-manager comes in two
// kustomizations that together build the base and cert-manager's objects,
// each object once: manifests/cert-manager, everything but the webhook
// configurations, and manifests/cert-manager/webhooks, those and nothing
// else, asking cainjector for their CA and labelled for the policy
// stagehand-webhook-ca, which the first brings, and whose parameter is the
// Certificate they ask for.
func TestCertManagerOverlay(t *testing.T) {
	o := buildOverlay(t, "cert-manager")
	hooks := buildOverlay(t, "cert-manager/webhooks")
	base := buildOverlay(t, "base")
	var all []string
	for _, u := range append(slices.Clone(o.objects), hooks.objects...) {
		all = append(all, u.GetKind()+"/"+u.GetName())
	}
	want := append(base.kinds(), "ValidatingAdmissionPolicy/stagehand-webhook-ca", "ValidatingAdmissionPolicyBinding/stagehand-webhook-ca",
		"Issuer/stagehand-selfsigned", "Certificate/stagehand-ca", "Issuer/stagehand-ca", "Certificate/stagehand-webhook")
	if !sameElements(all, want) {
		t.Errorf("manifests/cert-manager and its webhooks build %v, want %v", all, want)
	}
	if !sameElements(hooks.kinds(), []string{"MutatingWebhookConfiguration/stagehand", "ValidatingWebhookConfiguration/stagehand"}) {
		t.Errorf("manifests/cert-manager/webhooks builds %v, want the two webhook configurations only", hooks.kinds())
	}
	for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		got, plain := hooks.find(t, kind, "stagehand").DeepCopy(), base.find(t, kind, "stagehand")
		if a := got.GetAnnotations()[injectCAFrom]; a != servingCertificate {
			t.Errorf("%s: %s %q, want %s", kind, injectCAFrom, a, servingCertificate)
		}
		if l := got.GetLabels()[caBundleLabel]; l != "cert-manager" {
			t.Errorf("%s: label %s %q, want cert-manager", kind, caBundleLabel, l)
		}
		got.SetAnnotations(nil)
		labels := got.GetLabels()
		delete(labels, caBundleLabel)
		got.SetLabels(labels)
		if !reflect.DeepEqual(got.Object, plain.Object) {
			t.Errorf("%s differs from the base's beyond the annotation and the label:\n%s", kind, diff.Diff(plain.Object, got.Object))
		}
	}
	policy := typed[admissionregistrationv1.ValidatingAdmissionPolicy](t, o.find(t, "ValidatingAdmissionPolicy", "stagehand-webhook-ca"))
	binding := typed[admissionregistrationv1.ValidatingAdmissionPolicyBinding](t, o.find(t, "ValidatingAdmissionPolicyBinding", "stagehand-webhook-ca"))
	ref := binding.Spec.ParamRef
	switch {
	case policy.Spec.ParamKind == nil || *policy.Spec.ParamKind != (admissionregistrationv1.ParamKind{APIVersion: "cert-manager.io/v1", Kind: "Certificate"}):
		t.Errorf("stagehand-webhook-ca paramKind %+v, want cert-manager's Certificate", policy.Spec.ParamKind)
	case ref == nil || ref.Namespace+"/"+ref.Name != servingCertificate || ptr.Deref(ref.ParameterNotFoundAction, "") != admissionregistrationv1.DenyAction:
		t.Errorf("stagehand-webhook-ca paramRef %+v, want %s, denying when it is missing", ref, servingCertificate)
	case ptr.Deref(policy.Spec.FailurePolicy, "") != admissionregistrationv1.Fail || binding.Spec.PolicyName != policy.Name ||
		!slices.Equal(binding.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny}):
		t.Errorf("stagehand-webhook-ca failurePolicy %v, binding of %q with %v, want Fail and Deny", ptr.Deref(policy.Spec.FailurePolicy, ""), binding.Spec.PolicyName, binding.Spec.ValidationActions)
	case policy.Spec.MatchConstraints == nil || policy.Spec.MatchConstraints.ObjectSelector == nil ||
		!reflect.DeepEqual(policy.Spec.MatchConstraints.ObjectSelector.MatchLabels, map[string]string{caBundleLabel: "cert-manager"}):
		t.Errorf("stagehand-webhook-ca matchConstraints %+v, want the webhook configurations labelled %s=cert-manager only", policy.Spec.MatchConstraints, caBundleLabel)
	}
	spec := func(kind, name string) map[string]any {
		u := o.find(t, kind, name)
		if u.GetAPIVersion() != "cert-manager.io/v1" || u.GetNamespace() != "stagehand-system" {
			t.Errorf("%s %s is %s in %q", kind, name, u.GetAPIVersion(), u.GetNamespace())
		}
		m, _, _ := unstructured.NestedMap(u.Object, "spec")
		return m
	}
	str := func(m map[string]any, fields ...string) string {
		s, _, _ := unstructured.NestedString(m, fields...)
		return s
	}
	selfSigned := spec("Issuer", "stagehand-selfsigned")
	if _, ok := selfSigned["selfSigned"]; !ok {
		t.Errorf("Issuer stagehand-selfsigned %v is not selfSigned", selfSigned)
	}
	ca := spec("Certificate", "stagehand-ca")
	if isCA, _, _ := unstructured.NestedBool(ca, "isCA"); !isCA || str(ca, "secretName") != "stagehand-ca" || str(ca, "issuerRef", "name") != "stagehand-selfsigned" {
		t.Errorf("CA Certificate %v", ca)
	}
	if caIssuer := spec("Issuer", "stagehand-ca"); str(caIssuer, "ca", "secretName") != "stagehand-ca" {
		t.Errorf("CA Issuer %v", caIssuer)
	}
	serving := spec("Certificate", "stagehand-webhook")
	names, _, _ := unstructured.NestedStringSlice(serving, "dnsNames")
	if str(serving, "secretName") != "stagehand-webhook-tls" || str(serving, "issuerRef", "name") != "stagehand-ca" ||
		!slices.Contains(names, "stagehand-webhook.stagehand-system.svc") || !slices.Contains(names, "stagehand-webhook.stagehand-system.svc.cluster.local") {
		t.Errorf("serving Certificate %v", serving)
	}
	if usages, _, _ := unstructured.NestedStringSlice(serving, "usages"); !slices.Contains(usages, "server auth") {
		t.Errorf("serving Certificate usages %v, want server auth", usages)
	}
}

func TestSelfSignedOverlay(t *testing.T) {
	o := buildOverlay(t, "self-signed")
	secret := typed[corev1.Secret](t, o.find(t, "Secret", "stagehand-webhook-tls"))
	if secret.Namespace != "stagehand-system" || secret.Type != corev1.SecretTypeTLS {
		t.Errorf("Secret in %q of type %q", secret.Namespace, secret.Type)
	}
	cfg := webhookConfiguration(t, o)
	bundle := cfg.Webhooks[0].ClientConfig.CABundle
	if len(bundle) == 0 || cfg.Webhooks[0].ClientConfig.Service == nil {
		t.Fatalf("clientConfig %+v, want the Service and a caBundle", cfg.Webhooks[0].ClientConfig)
	}
	for _, cc := range []admissionregistrationv1.WebhookClientConfig{cfg.Webhooks[1].ClientConfig, profileWebhookConfiguration(t, o).Webhooks[0].ClientConfig} {
		if !bytes.Equal(cc.CABundle, bundle) {
			t.Errorf("clientConfig %+v: every webhook needs the same caBundle", cc)
		}
	}
	data := secret.Data
	// The CA's key stays with the admin: only what the webhook serves with
	// and the CA's certificate go into the cluster.
	if keys := slices.Sorted(maps.Keys(data)); !slices.Equal(keys, []string{"ca.crt", "tls.crt", "tls.key"}) {
		t.Errorf("the Secret holds %v, want ca.crt, tls.crt and tls.key", keys)
	}
	if !bytes.Equal(data["ca.crt"], bundle) {
		t.Error("the caBundle is not the CA in the Secret")
	}
	block, _ := pem.Decode(bundle)
	if block == nil {
		t.Fatal("the caBundle is not PEM")
	}
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	servingBlock, _ := pem.Decode(data["tls.crt"])
	if servingBlock == nil || len(data["tls.key"]) == 0 {
		t.Fatal("the Secret lacks tls.crt or tls.key")
	}
	serving, err := x509.ParseCertificate(servingBlock.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(caCert)
	if _, err := serving.Verify(x509.VerifyOptions{DNSName: "stagehand-webhook.stagehand-system.svc", Roots: roots}); err != nil {
		t.Errorf("the serving certificate does not verify against the caBundle for the Service: %v", err)
	}
	// The Deployment mounts the Secret by its exact name: no hash suffix.
	d, _ := webhookDeployment(t, o)
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName != secret.Name {
			t.Errorf("the Deployment mounts Secret %q, the overlay makes %q", v.Secret.SecretName, secret.Name)
		}
	}
}

// TestOnlyLoopbackWebhooksApplied: the base's webhook configurations, as
// built, name the Service, and are refused by the suite's apply until
// localized to 127.0.0.1.
func TestOnlyLoopbackWebhooksApplied(t *testing.T) {
	base := buildOverlay(t, "base")
	for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
		u := base.find(t, kind, "stagehand")
		if err := loopbackOnly(u); err == nil {
			t.Errorf("%s as built names the Service and must be refused", kind)
		}
		local := u.DeepCopy()
		if err := stagehandoverlay.PointWebhooksAt(local, "https://127.0.0.1:9443", []byte("ca")); err != nil {
			t.Fatal(err)
		}
		if err := loopbackOnly(local); err != nil {
			t.Errorf("%s localized: %v", kind, err)
		}
	}
}
