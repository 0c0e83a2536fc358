package explanation

import (
	"bytes"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/stagehand-k8s/stagehand/manifests"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/offline"
)

const ns = "spark"

// liveOptions are the cluster's settings of the tests: the shipped
// entrypoint map, agent image v2.
func liveOptions(t *testing.T) inject.Options {
	t.Helper()
	m, err := manifests.Entrypoints()
	if err != nil {
		t.Fatal(err)
	}
	return inject.Options{Version: "v1", AgentImage: "ghcr.io/stagehand-k8s/agent:v2", Entrypoints: m}
}

func shippedWebhooks(t *testing.T) *admissionregistrationv1.MutatingWebhookConfiguration {
	t.Helper()
	mwc, err := manifests.MutatingWebhookConfiguration()
	if err != nil {
		t.Fatal(err)
	}
	return mwc
}

// namespace is ns with labels, as the API server stores it (with its
// kubernetes.io/metadata.name label).
func namespace(labels map[string]string) *corev1.Namespace {
	l := map[string]string{corev1.LabelMetadataName: ns}
	for k, v := range labels {
		l[k] = v
	}
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: l}}
}

var optedIn = map[string]string{annotations.NamespaceLabel: annotations.NamespaceLabelEnabled}

func profile(name string, gen int64, selector map[string]string, anns map[string]string) v1alpha1.InjectionProfile {
	return v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Generation: gen},
		Spec:       v1alpha1.InjectionProfileSpec{Selector: metav1.LabelSelector{MatchLabels: selector}, Annotations: anns},
	}
}

// executor is a Spark executor pod as the driver creates it, with anns.
func executor(anns map[string]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: exec-1\n  labels: {spark-role: executor}\n")
	if len(anns) > 0 {
		b.WriteString("  annotations:\n")
		for k, v := range anns {
			b.WriteString("    " + k + ": " + quote(v) + "\n")
		}
	}
	b.WriteString("spec:\n  containers:\n  - name: executor\n    image: apache/spark:3.5.3\n    args: [executor]\n")
	return b.String()
}

func quote(s string) string {
	b, _ := yaml.Marshal(s)
	return strings.TrimSpace(string(b))
}

// podsOf are the pods of a manifest, in namespace ns.
func podsOf(t *testing.T, manifest string) []Pod {
	t.Helper()
	found, err := offline.Pods(strings.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	pods := make([]Pod, len(found))
	for i, p := range found {
		pods[i] = Pod{Object: p.Object, Namespace: ns, JSON: p.JSON, Misplaced: p.Misplaced}
	}
	return pods
}

// created is the pod of manifest as the cluster stores it after the
// webhook injected it with opts and profiles.
func created(t *testing.T, manifest string, opts inject.Options, list []v1alpha1.InjectionProfile) Pod {
	t.Helper()
	var out bytes.Buffer
	in := offline.Injector{Injector: inject.New(opts), Profiles: list, Namespace: ns}
	if _, err := in.Inject(strings.NewReader(manifest), &out); err != nil {
		t.Fatal(err)
	}
	raw, err := yaml.YAMLToJSON(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return Pod{Object: `Pod "exec-1"`, Namespace: ns, JSON: raw, Created: true}
}

// now dates the tests' Events.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
