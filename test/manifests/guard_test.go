package manifests

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// blamed is how every guard message ends when another webhook changed what
// stagehand injected.
const blamed = "another mutating webhook probably"

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
		{stripFetch, "stagehand guard: init container stagehand-fetch was removed or moved after stagehand injected it; another mutating webhook probably changed the pod"},
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
	if got := initNames(pod); strings.Join(got, ",") != "stagehand-install,stagehand-fetch,user-init" {
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
			p := agentPod("opted-out", stripFetch)
			p.Annotations[annotations.Inject] = "false"
			p.Spec.Containers[0].Env = literal
			return p
		}},
		{"not-annotated", optedInNS, func() *corev1.Pod {
			p := agentPod("not-annotated", stripFetch)
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
