package manifests

import (
	"context"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// overlays are every kustomization an admin applies, in the order of an
// installation: the examples' profiles before the examples, as
// manifests/examples/kustomization.yaml says.
var overlays = []string{"base", "cert-manager", "self-signed", examplesProfiles, "examples"}

// examplesProfiles is the kustomization of the examples' namespace and
// InjectionProfiles.
const examplesProfiles = "examples/profiles"

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
	s.waitForProfiles(t, o)
}

// waitForProfiles waits until the webhook's cache holds every
// InjectionProfile of o as the API server stores it: a profile applies only
// to pods created after the webhook has seen it.
func (s *suite) waitForProfiles(t *testing.T, o *overlay) {
	t.Helper()
	for _, u := range o.objects {
		if u.GetKind() != "InjectionProfile" {
			continue
		}
		stored := &unstructured.Unstructured{}
		stored.SetGroupVersionKind(u.GroupVersionKind())
		if err := s.client.Get(t.Context(), client.ObjectKeyFromObject(u), stored); err != nil {
			t.Fatalf("reading InjectionProfile %s/%s: %v", u.GetNamespace(), u.GetName(), err)
		}
		err := wait.PollUntilContextTimeout(t.Context(), pollInterval, waitTimeout, true, func(ctx context.Context) (bool, error) {
			var seen v1alpha1.InjectionProfile
			err := s.profiles.Get(ctx, client.ObjectKeyFromObject(u), &seen)
			return err == nil && seen.ResourceVersion == stored.GetResourceVersion(), nil
		})
		if err != nil {
			t.Fatalf("the webhook never saw InjectionProfile %s/%s at resourceVersion %s: %v",
				u.GetNamespace(), u.GetName(), stored.GetResourceVersion(), err)
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

// TestExamplesAreInjected applies the examples' profiles, then the examples,
// as a user does, and checks what stagehand injected into each pod and why:
// the MR3 worker and the Spark executor carry no stagehand annotation, as
// MR3 and Spark create them, and come out injected because of a profile;
// HiveServer2 asks with its own annotations. A DAGAppMaster and a pod of
// the Job's template are created dry-run.
func TestExamplesAreInjected(t *testing.T) {
	s := env(t)
	s.applyOverlay(t, buildOverlay(t, examplesProfiles))
	examples := buildOverlay(t, "examples")
	s.applyOverlay(t, examples)
	want := map[string]struct {
		parts   []string
		profile string
	}{
		"mr3worker-8a3f-1": {[]string{inject.PartCredentials, inject.PartATSKey, inject.PartDeps, inject.PartAgent}, "mr3-workers"},
		"hiveserver2":      {[]string{inject.PartCredentials, inject.PartATSKey, inject.PartKeytab, inject.PartTimeline}, ""},
		"spark-pi-exec-1":  {[]string{inject.PartDeps, inject.PartAgent}, "spark-executors"},
	}
	for name, w := range want {
		if own := ownKeys(examples.find(t, "Pod", name).GetAnnotations()); w.profile != "" && len(own) > 0 {
			t.Errorf("example pod %s carries %v itself: it must be injected because of profile %s alone", name, own, w.profile)
		}
		var pod corev1.Pod
		if err := s.client.Get(t.Context(), client.ObjectKey{Namespace: "hivemr3-demo", Name: name}, &pod); err != nil {
			t.Errorf("reading example pod %s: %v", name, err)
			continue
		}
		checkInjected(t, &pod, w.parts, nil)
		s.checkProfile(t, &pod, w.profile)
	}

	mr3Site, err := configMapData(examples, "hivemr3-conf-configmap", "mr3-site.xml")
	if err != nil || !strings.Contains(mr3Site, "<value>hivemr3_app=mr3master</value>") {
		t.Errorf("mr3-site.xml does not label the DAGAppMaster hivemr3_app=mr3master, which the profile mr3-master selects (%v)", err)
	}
	master := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "mr3master-8a3f-0-probe", Namespace: "hivemr3-demo",
			Labels: map[string]string{"mr3-pod-role": "master-role", "hivemr3_app": "mr3master"}},
		Spec: corev1.PodSpec{ServiceAccountName: "master-service-account", Containers: []corev1.Container{{
			Name: "mr3-master", Image: "mr3project/hive:4.0.0.mr3.2.1", Command: []string{"/opt/mr3-run/hive/run-master.sh"},
		}}},
	}
	if err := s.client.Create(t.Context(), master, client.DryRunAll); err != nil {
		t.Fatalf("a DAGAppMaster pod: %v", err)
	}
	checkInjected(t, master, []string{inject.PartCredentials, inject.PartATSKey}, nil)
	s.checkProfile(t, master, "mr3-master")

	job := typed[batchv1.Job](t, examples.find(t, "Job", "hivemr3-metastore-init"))
	pod := &corev1.Pod{ObjectMeta: job.Spec.Template.ObjectMeta, Spec: job.Spec.Template.Spec}
	pod.Name, pod.Namespace = job.Name+"-probe", job.Namespace
	if err := s.client.Create(t.Context(), pod, client.DryRunAll); err != nil {
		t.Fatalf("a pod of the Job's template: %v", err)
	}
	checkInjected(t, pod, []string{inject.PartCredentials, inject.PartAgent}, nil)
	if c := pod.Spec.Containers[0].Command; !slices.Contains(c, "--timeout=30m") {
		t.Errorf("the Job's task runs %v, want the agent with --timeout", c)
	}
}

// checkProfile checks that the status records the profile (none when
// profile is empty) at the generation the API server stores.
func (s *suite) checkProfile(t *testing.T, pod *corev1.Pod, profile string) {
	t.Helper()
	status, _ := inject.ParseStatus(pod.Annotations[annotations.Status])
	switch {
	case profile == "" && status.Profile != nil:
		t.Errorf("pod %s: status records profile %+v, want none", pod.Name, *status.Profile)
		return
	case profile == "":
		return
	case status.Profile == nil || status.Profile.Name != profile:
		t.Errorf("pod %s: status %q, want it to record profile %s", pod.Name, pod.Annotations[annotations.Status], profile)
		return
	}
	var stored v1alpha1.InjectionProfile
	if err := s.profiles.Get(t.Context(), client.ObjectKey{Namespace: pod.Namespace, Name: profile}, &stored); err != nil {
		t.Fatalf("reading profile %s: %v", profile, err)
	}
	if status.Profile.Generation != stored.Generation {
		t.Errorf("pod %s: status records profile %s generation %d, want %d", pod.Name, profile, status.Profile.Generation, stored.Generation)
	}
}

// ownKeys lists a pod's own stagehand.io/ annotations.
func ownKeys(anns map[string]string) []string {
	var keys []string
	for k := range anns {
		if strings.HasPrefix(k, annotations.Prefix) {
			keys = append(keys, k)
		}
	}
	return keys
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
