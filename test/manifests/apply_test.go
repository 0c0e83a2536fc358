package manifests

import (
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// overlays are every kustomization an admin applies, in the order of an
// installation.
var overlays = []string{"base", "cert-manager", "self-signed", "examples"}

// TestApplyOverlays applies every object of every overlay to the API server:
// first as built, with a server-side dry run that validates it completely
// (the webhook configuration included, as it would call the Service in a
// cluster), then for real, with the webhook configuration pointed at the
// local webhook server.
func TestApplyOverlays(t *testing.T) {
	s := env(t)
	for _, name := range overlays {
		t.Run(name, func(t *testing.T) {
			s.applyOverlay(t, buildOverlay(t, name))
		})
	}
}

func (s *suite) applyOverlay(t *testing.T, o *overlay) {
	t.Helper()
	for _, u := range o.objects {
		if u.GetKind() == "Pod" && s.exists(t, u) {
			continue // pods are immutable: applying an injected pod again cannot succeed
		}
		if err := s.apply(t.Context(), u, client.DryRunAll); err != nil {
			t.Errorf("dry-run apply of %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
			continue
		}
		if err := s.apply(t.Context(), s.localize(u)); err != nil {
			t.Errorf("apply of %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
}

// exists reports whether the object is stored already.
func (s *suite) exists(t *testing.T, u *unstructured.Unstructured) bool {
	t.Helper()
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(u.GroupVersionKind())
	err := s.client.Get(t.Context(), client.ObjectKeyFromObject(u), got)
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("reading %s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return err == nil
}

// TestWebhookPodIsRestricted creates the Deployment's pod, dry-run, in
// stagehand-system, which enforces PodSecurity "restricted".
func TestWebhookPodIsRestricted(t *testing.T) {
	s := env(t)
	base := buildOverlay(t, "base")
	s.applyOverlay(t, base)
	d, _ := webhookDeployment(t, base)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "webhook-probe", Namespace: d.Namespace, Labels: d.Spec.Template.Labels},
		Spec:       d.Spec.Template.Spec,
	}
	if err := s.client.Create(t.Context(), pod, client.DryRunAll); err != nil {
		t.Fatalf("the webhook's pod is not admitted in %s: %v", d.Namespace, err)
	}
}

// TestExamplesAreInjected applies the examples and checks what stagehand
// injected into each pod, and into a pod of the Job's template.
func TestExamplesAreInjected(t *testing.T) {
	s := env(t)
	examples := buildOverlay(t, "examples")
	s.applyOverlay(t, examples)
	want := map[string][]string{
		"mr3worker-demo-1": {inject.PartCredentials, inject.PartATSKey, inject.PartDeps, inject.PartAgent},
		"hiveserver2":      {inject.PartCredentials, inject.PartATSKey, inject.PartKeytab, inject.PartTimeline},
		"spark-pi-exec-1":  {inject.PartDeps, inject.PartAgent},
	}
	for name, parts := range want {
		var pod corev1.Pod
		if err := s.client.Get(t.Context(), client.ObjectKey{Namespace: "hivemr3-demo", Name: name}, &pod); err != nil {
			t.Errorf("reading example pod %s: %v", name, err)
			continue
		}
		checkInjected(t, &pod, parts, nil)
	}

	job := typed[batchv1.Job](t, examples.find(t, "Job", "hivemr3-metastore-init"))
	pod := &corev1.Pod{ObjectMeta: job.Spec.Template.ObjectMeta, Spec: job.Spec.Template.Spec}
	pod.Name, pod.Namespace = job.Name+"-probe", job.Namespace
	if err := s.client.Create(t.Context(), pod, client.DryRunAll); err != nil {
		t.Fatalf("a pod of the Job's template: %v", err)
	}
	checkInjected(t, pod, []string{inject.PartCredentials, inject.PartAgent}, nil)
	if c := pod.Spec.Containers[0].Command; !slices.Contains(c, "--timeout") {
		t.Errorf("the Job's task runs %v, want the agent with --timeout", c)
	}
}

// checkInjected checks the status annotation's parts and that each target
// container (nil: every app container) runs through the agent when the
// agent part is there.
func checkInjected(t *testing.T, pod *corev1.Pod, parts, targets []string) {
	t.Helper()
	status, ok := inject.ParseStatus(pod.Annotations[annotations.Status])
	if !ok || !slices.Equal(status.Parts, parts) {
		t.Errorf("pod %s: status %q, want parts %v", pod.Name, pod.Annotations[annotations.Status], parts)
		return
	}
	if !slices.Contains(parts, inject.PartAgent) {
		return
	}
	for _, c := range pod.Spec.Containers {
		if targets != nil && !slices.Contains(targets, c.Name) {
			continue
		}
		if len(c.Command) == 0 || c.Command[0] != inject.AgentBinary {
			t.Errorf("pod %s container %s runs %v, want the agent", pod.Name, c.Name, c.Command)
		}
	}
	if len(pod.Spec.InitContainers) == 0 || !strings.HasPrefix(pod.Spec.InitContainers[0].Image, "ghcr.io/stagehand-k8s/agent:") {
		t.Errorf("pod %s: first init container %v, want the agent image of the Deployment", pod.Name, pod.Spec.InitContainers)
	}
}
