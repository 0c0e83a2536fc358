package integration

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/webhook"
)

// admissionTotal sums stagehand_admission_total over every result and reason
// the handler can report.
func admissionTotal() float64 {
	reasons := map[string][]string{
		"allowed": {string(inject.OutcomeInjected), string(inject.OutcomeUnchanged), string(inject.OutcomeOptedOut), string(inject.OutcomeNotRequested), "profiles-unavailable"},
		"denied":  {inject.ReasonInvalid, inject.ReasonConflict, inject.ReasonNoCommand, "profile-overlap"},
		"error":   {"undecodable", "internal"},
	}
	var sum float64
	for result, rs := range reasons {
		for _, r := range rs {
			sum += webhook.AdmissionCount(result, r)
		}
	}
	return sum
}

// TestUnannotatedPodsAnsweredUntouched proves the split of the webhook
// configuration: in an opted-in namespace, a pod without a stagehand.io/
// annotation of its own reaches profiled-pods.stagehand.io, where, with no
// profile selecting it, it is admitted untouched and counted as
// not-requested; one annotation sends a pod to pods.stagehand.io.
func TestUnannotatedPodsAnsweredUntouched(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)

	before := admissionTotal()
	notRequested := webhook.AdmissionCount("allowed", string(inject.OutcomeNotRequested))
	plain := []map[string]string{
		nil, // no annotations at all: has() must guard the map
		{"example.com/team": "etl"},
		{"stagehand.io.example.com/inject": "true"}, // a look-alike prefix
		{"notstagehand.io/inject": "true"},
	}
	for i, anns := range plain {
		name := fmt.Sprintf("plain-%d", i)
		pod := s.createPod(t, ns, mr3Worker(name, anns))
		assertUntouched(t, pod)
		if calls := s.calls.of(ns, name); len(calls) != 1 || !calls[0].Allowed || calls[0].Patches != 0 {
			t.Errorf("calls for %s: %+v, want one, allowed, without a patch", name, calls)
		}
	}
	if after := webhook.AdmissionCount("allowed", string(inject.OutcomeNotRequested)); after != notRequested+float64(len(plain)) {
		t.Errorf("not-requested went from %v to %v, want %d more", notRequested, after, len(plain))
	}

	s.createPod(t, ns, mr3Worker("annotated", map[string]string{inject.ServiceAccountToken: "true"}))
	if calls := s.calls.of(ns, "annotated"); len(calls) != 1 || calls[0].Patches == 0 {
		t.Errorf("calls %+v, want exactly one, injecting the annotated pod", calls)
	}
	if after := admissionTotal(); after != before+float64(len(plain))+1 {
		t.Errorf("stagehand_admission_total went from %v to %v, want %d more", before, after, len(plain)+1)
	}
}

// TestSystemNamespacesExcluded proves that the control plane's namespaces
// and stagehand's own are never injected, even when labelled.
func TestSystemNamespacesExcluded(t *testing.T) {
	s := env(t)
	excluded := []string{"kube-system", "kube-public", "kube-node-lease", "stagehand-system"}
	for _, name := range excluded {
		s.labelNamespace(t, name)
	}
	s.fence(t)
	for _, name := range excluded {
		t.Run(name, func(t *testing.T) {
			pod := s.createPod(t, name, mr3Worker("annotated", mr3Annotations))
			t.Cleanup(func() { _ = s.client.Delete(context.Background(), pod) })
			assertUntouched(t, s.getPod(t, name, "annotated"))
			if calls := s.calls.in(name); len(calls) != 0 {
				t.Errorf("the webhook was called in %s: %+v", name, calls)
			}
		})
	}
}

// labelNamespace opts an existing (or new) namespace in, and back out after
// the test.
func (s *suite) labelNamespace(t *testing.T, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := s.client.Create(t.Context(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	if err := s.client.Get(t.Context(), client.ObjectKeyFromObject(ns), ns); err != nil {
		t.Fatalf("reading namespace %s: %v", name, err)
	}
	if got := ns.Labels[corev1.LabelMetadataName]; got != name {
		t.Fatalf("namespace %s has %s=%q; the exclusion relies on the API server setting it", name, corev1.LabelMetadataName, got)
	}
	orig := ns.DeepCopy()
	ns.Labels[annotations.NamespaceLabel] = annotations.NamespaceLabelEnabled
	if err := s.client.Patch(t.Context(), ns, client.MergeFrom(orig)); err != nil {
		t.Fatalf("labelling namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		undo := ns.DeepCopy()
		delete(undo.Labels, annotations.NamespaceLabel)
		_ = s.client.Patch(context.Background(), undo, client.MergeFrom(ns))
	})
	s.ensureServiceAccount(t, name)
}

// fence returns once the API server's webhook admission sees namespace
// labels set before the call: it labels a fresh namespace and waits until a
// pod there is injected. Namespace events arrive in order, so the labels of
// earlier namespaces are seen too, and "not injected" then means excluded,
// not "not seen yet".
func (s *suite) fence(t *testing.T) {
	t.Helper()
	ns := s.newNamespace(t, nil)
	s.labelNamespace(t, ns)
	eventually(t, "the API server to see the label of namespace "+ns, func(ctx context.Context) (bool, error) {
		pod := sparkDriver("fence", map[string]string{inject.ServiceAccountToken: "true"})
		pod.Namespace = ns
		if err := s.client.Create(ctx, pod, client.DryRunAll); err != nil {
			return false, err
		}
		_, injected := pod.Annotations[annotations.Status]
		return injected, nil
	})
}
