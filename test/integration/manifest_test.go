package integration

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// checkConfiguration checks the parts of the webhook configuration that
// decide which pods reach stagehand and how the API server treats it: two
// entries, alike but for which pods they take and their failure policy.
func checkConfiguration(t *testing.T, cfg *admissionregistrationv1.MutatingWebhookConfiguration) {
	t.Helper()
	if cfg.Name != "stagehand" || len(cfg.Webhooks) != 2 {
		t.Fatalf("configuration %q has %d webhooks, want \"stagehand\" with two", cfg.Name, len(cfg.Webhooks))
	}
	own := "object.metadata.annotations.exists(k, k.startsWith('" + annotations.Prefix + "') && k != '" + annotations.Status + "')"
	for i, want := range []struct {
		name, condition, failurePolicy, timeout string
	}{
		{"pods.stagehand.io", "has(object.metadata.annotations) && " + own, string(admissionregistrationv1.Fail), "5"},
		{"profiled-pods.stagehand.io", "!has(object.metadata.annotations) || !" + own, string(admissionregistrationv1.Ignore), "3"},
	} {
		w := cfg.Webhooks[i]
		if w.Name != want.name {
			t.Errorf("webhook %d is %q, want %q", i, w.Name, want.name)
		}
		if len(w.Rules) != 1 || !slices.Equal(w.Rules[0].Operations, []admissionregistrationv1.OperationType{admissionregistrationv1.Create}) ||
			!slices.Equal(w.Rules[0].Resources, []string{"pods"}) || !slices.Equal(w.Rules[0].APIGroups, []string{""}) {
			t.Errorf("%s: rules %s, want Pod CREATE only", w.Name, toJSON(w.Rules))
		}
		sel := w.NamespaceSelector
		if sel == nil || sel.MatchLabels[annotations.NamespaceLabel] != annotations.NamespaceLabelEnabled || len(sel.MatchExpressions) != 1 ||
			sel.MatchExpressions[0].Key != "kubernetes.io/metadata.name" || sel.MatchExpressions[0].Operator != "NotIn" ||
			!slices.Equal(sel.MatchExpressions[0].Values, []string{"kube-system", "kube-public", "kube-node-lease", "stagehand-system"}) {
			t.Errorf("%s: namespaceSelector %s", w.Name, toJSON(sel))
		}
		if len(w.MatchConditions) != 1 || strings.Join(strings.Fields(w.MatchConditions[0].Expression), " ") != want.condition {
			t.Errorf("%s: matchConditions %s, want %s", w.Name, toJSON(w.MatchConditions), want.condition)
		}
		for _, f := range []struct{ field, got, want string }{
			{"failurePolicy", string(ptr.Deref(w.FailurePolicy, "")), want.failurePolicy},
			{"timeoutSeconds", strconv.Itoa(int(ptr.Deref(w.TimeoutSeconds, 0))), want.timeout},
			{"reinvocationPolicy", string(ptr.Deref(w.ReinvocationPolicy, "")), string(admissionregistrationv1.IfNeededReinvocationPolicy)},
			{"sideEffects", string(ptr.Deref(w.SideEffects, "")), string(admissionregistrationv1.SideEffectClassNoneOnDryRun)},
			{"admissionReviewVersions", strings.Join(w.AdmissionReviewVersions, ","), "v1"},
		} {
			if f.got != f.want {
				t.Errorf("%s: %s is %q, want %q", w.Name, f.field, f.got, f.want)
			}
		}
	}
}

// TestManifest checks the shipped file itself; it needs no API server.
func TestManifest(t *testing.T) {
	b, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	var cfg admissionregistrationv1.MutatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatalf("%s: %v", manifestPath, err)
	}
	if cfg.APIVersion != "admissionregistration.k8s.io/v1" || cfg.Kind != "MutatingWebhookConfiguration" {
		t.Errorf("%s is %s %s", manifestPath, cfg.APIVersion, cfg.Kind)
	}
	checkConfiguration(t, &cfg)
	for _, w := range cfg.Webhooks {
		svc := w.ClientConfig.Service
		if svc == nil || svc.Name != "stagehand-webhook" || svc.Namespace != "stagehand-system" ||
			svc.Path == nil || *svc.Path != webhook.Path || svc.Port == nil || *svc.Port != 443 {
			t.Errorf("%s: clientConfig.service %s, want stagehand-webhook.stagehand-system:443%s", w.Name, toJSON(svc), webhook.Path)
		}
	}
}

// TestInstalledConfiguration checks that envtest, which rewrites the client
// configuration to its local server, kept everything else, and that the API
// server stored it as written.
func TestInstalledConfiguration(t *testing.T) {
	s := env(t)
	var cfg admissionregistrationv1.MutatingWebhookConfiguration
	if err := s.client.Get(t.Context(), client.ObjectKey{Name: "stagehand"}, &cfg); err != nil {
		t.Fatal(err)
	}
	checkConfiguration(t, &cfg)
	for _, w := range cfg.Webhooks {
		if u := w.ClientConfig.URL; u == nil || !strings.HasSuffix(*u, webhook.Path) {
			t.Errorf("%s: clientConfig.url %v, want envtest's local server at %s", w.Name, u, webhook.Path)
		}
	}
}
