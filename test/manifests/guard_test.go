package manifests

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// blamed is how every guard message ends when another webhook changed what
// stagehand injected.
const blamed = "another mutating webhook"

// TestGuardRejectsAlteredInjection: a later webhook that undoes part of
// stagehand's injection, even after stagehand's reinvocation, gets the pod
// rejected with a message that says what is missing and why.
func TestGuardRejectsAlteredInjection(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, stripNamespaceLabels())
	for _, tc := range []struct {
		mode stripMode
		want string
	}{
		{stripInit, "stagehand guard: init container stagehand-init was removed or moved after stagehand injected it; another mutating webhook probably changed the pod"},
		{stripATSLiteral, "stagehand guard: ATS_SECRET_KEY in container worker is not a reference to a Secret or ConfigMap (valueFrom)"},
		{stripUnwrap, "stagehand guard: the command of container worker no longer starts with /stagehand/bin/agent"},
		{stripTokenVolume, "stagehand guard: volume stagehand-token was removed after stagehand injected it"},
		{stripATSEnv, "stagehand guard: ATS_SECRET_KEY was removed from container worker"},
		{stripAgentPart, "stagehand guard: stagehand.io/status does not list agent"},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			pod := agentPod("stripped-"+string(tc.mode), tc.mode)
			pod.Namespace = ns
			err := s.client.Create(t.Context(), pod)
			if err == nil {
				t.Fatalf("the pod was admitted without what stagehand injected: init containers %v", initNames(pod))
			}
			msg := err.Error()
			if !isGuardDenial(err) || !strings.Contains(msg, tc.want) || !strings.Contains(msg, blamed) {
				t.Errorf("denial\n%s\nwant the guard's message containing\n%s", msg, tc.want)
			}
			if !apierrors.IsInvalid(err) && !apierrors.IsForbidden(err) {
				t.Errorf("denial of reason %v, want Invalid or Forbidden", apierrors.ReasonForError(err))
			}
			if strings.Contains(msg, leakedKey) {
				t.Errorf("the denial repeats the literal ATS_SECRET_KEY value: %s", msg)
			}
		})
	}
}

// TestGuardAdmitsInjectedPod: the guard does not reject what stagehand
// injected, here with every part injected at once and a later webhook that
// leaves stagehand's elements alone.
func TestGuardAdmitsInjectedPod(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, stripNamespaceLabels())
	pod := agentPod("injected", "")
	pod.Annotations[inject.ATSKeytabSecret] = "ats-keytab"
	pod.Annotations[inject.TimelineURL] = "http://timeline.example.com:8188"
	pod.Annotations[inject.DependenciesCAConfigMap] = "corp-ca"
	pod.Annotations[inject.DependenciesAuthSecret] = "repo-token"
	pod.Spec.InitContainers = []corev1.Container{{Name: "user-init", Image: "busybox:1.36", Command: []string{"true"}}}
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "sidecar", Image: "busybox:1.36", Command: []string{"sleep", "1d"}})
	pod.Annotations[annotations.Containers] = " worker "
	pod.Namespace = ns
	if err := s.client.Create(t.Context(), pod); err != nil {
		t.Fatalf("the guard rejected a correctly injected pod: %v", err)
	}
	checkInjected(t, pod, []string{inject.PartCredentials, inject.PartATSKey, inject.PartKeytab, inject.PartTimeline, inject.PartDeps, inject.PartAgent}, []string{"worker"})
	if sidecar := pod.Spec.Containers[1]; strings.Join(sidecar.Command, " ") != "sleep 1d" || len(sidecar.Env) != 0 {
		t.Errorf("the sidecar, not a target, was changed: %v %v", sidecar.Command, sidecar.Env)
	}
	if got := initNames(pod); strings.Join(got, ",") != "stagehand-init,user-init" {
		t.Errorf("init containers %v", got)
	}
}

// TestGuardIgnoresOtherPods: pods that opted out, carry no stagehand.io/
// annotation, or live in a namespace that did not opt in are not the
// guard's business, whatever they hold.
func TestGuardIgnoresOtherPods(t *testing.T) {
	s := env(t)
	optedInNS := s.newNamespace(t, stripNamespaceLabels())
	plainNS := s.newNamespace(t, nil)
	literal := []corev1.EnvVar{{Name: inject.ATSSecretKeyEnv, Value: "the pod's own business"}}
	for _, tc := range []struct {
		name, namespace string
		pod             func() *corev1.Pod
	}{
		{"opted-out", optedInNS, func() *corev1.Pod {
			p := agentPod("opted-out", stripInit)
			p.Annotations[annotations.Inject] = "false"
			p.Spec.Containers[0].Env = literal
			return p
		}},
		{"not-annotated", optedInNS, func() *corev1.Pod {
			p := agentPod("not-annotated", stripInit)
			p.Annotations = map[string]string{"example.com/other": "x"}
			p.Spec.Containers[0].Env = literal
			return p
		}},
		{"namespace-not-opted-in", plainNS, func() *corev1.Pod { return agentPod("not-opted-in", "") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := tc.pod()
			pod.Namespace = tc.namespace
			if err := s.client.Create(t.Context(), pod); err != nil {
				t.Fatalf("the pod was rejected: %v", err)
			}
			if _, injected := pod.Annotations[annotations.Status]; injected {
				t.Errorf("the pod was injected: %s", pod.Annotations[annotations.Status])
			}
		})
	}
}

func initNames(pod *corev1.Pod) []string {
	var names []string
	for _, c := range pod.Spec.InitContainers {
		names = append(names, c.Name)
	}
	return names
}

// TestProfileGuardRejectsAlteredInjection: a pod that carries no
// stagehand.io/ annotation, injected by stagehand's webhook because an
// InjectionProfile selects it, is admitted; when a later webhook undoes
// part of that injection, stagehand-profile-guard rejects it, naming what
// is missing, which stagehand-guard (it reads the pod's own annotations
// only) cannot see.
func TestProfileGuardRejectsAlteredInjection(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, stripNamespaceLabels())
	workers := agentPod("", "")
	profile := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "stagehand.io/v1alpha1", "kind": "InjectionProfile",
		"metadata": map[string]any{"name": "workers", "namespace": ns},
		"spec": map[string]any{
			"selector":    map[string]any{"matchLabels": map[string]any{"role": "worker"}},
			"annotations": map[string]any{},
		},
	}}
	for k, v := range workers.Annotations {
		profile.Object["spec"].(map[string]any)["annotations"].(map[string]any)[k] = v
	}
	if err := s.client.Create(t.Context(), profile); err != nil {
		t.Fatal(err)
	}
	s.waitForProfiles(t, &overlay{objects: []*unstructured.Unstructured{profile}})
	profiled := func(name string, mode stripMode) *corev1.Pod {
		pod := agentPod(name, mode)
		pod.Namespace, pod.Annotations = ns, nil
		if pod.Labels == nil {
			pod.Labels = map[string]string{}
		}
		pod.Labels["role"] = "worker"
		return pod
	}
	// The API server's policy sees the profile a moment after the webhook.
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, waitTimeout, true, func(ctx context.Context) (bool, error) {
		last = s.client.Create(ctx, profiled("probe", stripTokenVolume), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "stagehand-profile-guard"), nil
	})
	if err != nil {
		t.Fatalf("stagehand-profile-guard never rejected a profiled pod without its token volume (last create error: %v): %v", last, err)
	}
	for _, tc := range []struct {
		mode stripMode
		want string
	}{
		{stripTokenVolume, "stagehand guard: volume stagehand-token was removed after stagehand injected it"},
		{stripInit, "stagehand guard: init container stagehand-init was removed or moved"},
		{stripUnwrap, "stagehand guard: the command of container worker no longer starts with /stagehand/bin/agent although the pod with InjectionProfile workers sets stagehand.io/agent"},
		{stripAgentPart, "stagehand guard: stagehand.io/status does not list agent, which the pod with InjectionProfile workers asks for"},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			err := s.client.Create(t.Context(), profiled("stripped-"+string(tc.mode), tc.mode))
			if err == nil || !containsAll(err.Error(), "stagehand-profile-guard", tc.want, blamed) {
				t.Errorf("got %v, want stagehand-profile-guard's denial %q", err, tc.want)
			}
		})
	}
	pod := profiled("injected", "")
	if err := s.client.Create(t.Context(), pod); err != nil {
		t.Fatalf("a pod injected because of its profile was rejected: %v", err)
	}
	if st := pod.Annotations[annotations.Status]; !strings.Contains(st, `"profile":{"name":"workers"`) {
		t.Errorf("status %q does not record the profile", st)
	}
}
