package plugin

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// sparkProfile is the examples' spark-executors profile in namespace ns.
func sparkProfile(ns string) *v1alpha1.InjectionProfile {
	return &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "spark-executors", Namespace: ns},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"spark-role": "executor"}},
			Annotations: map[string]string{inject.Agent: "true", inject.Jars: "https://repo1.maven.org/maven2/org/example/lib/1.0/lib-1.0.jar"},
		},
	}
}

// withProfile creates the profile and waits until the webhook applies it.
func (s *suite) withProfile(t *testing.T, p *v1alpha1.InjectionProfile) {
	t.Helper()
	s.create(t, p)
	s.eventually(t, "the webhook applies profile "+p.Name, func(ctx context.Context) (bool, error) {
		pod := executor("probe", nil)
		pod.Namespace = p.Namespace
		return s.client.Create(ctx, pod, client.DryRunAll) == nil && injected(pod), nil
	})
}

func (s *suite) eventually(t *testing.T, what string, cond func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), testenv.PollInterval, testenv.WaitTimeout, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// explainUntil runs explain until its output has every one of wants (an
// Event is recorded off the admission path), bounded in time.
func (s *suite) explainUntil(t *testing.T, wants []string, args ...string) string {
	t.Helper()
	var out string
	s.eventually(t, fmt.Sprintf("explain %q to say %q", args, wants), func(context.Context) (bool, error) {
		stdout, stderr, code := s.kubectl(t, "", append([]string{"explain"}, args...)...)
		out = stdout + stderr
		for _, w := range wants {
			if !strings.Contains(out, w) {
				return false, nil
			}
		}
		return code == 0, nil
	})
	return out
}

// TestExplainInjectedPod: a pod a profile selected, created through the
// webhook, is injected and up to date; once the Deployment's agent image
// changes, it is out of date, by that image.
func TestExplainInjectedPod(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	s.withProfile(t, sparkProfile(ns))
	pod := executor("exec-1", nil)
	pod.Namespace = ns
	s.create(t, pod)
	if !injected(pod) {
		t.Fatal("the executor was not injected")
	}
	stdout, _, code := s.kubectl(t, "", "explain", "pod", "exec-1", "-n", ns)
	if code != 0 {
		t.Fatalf("explain exited %d", code)
	}
	contains(t, "explain", stdout,
		"stagehand settings from Deployment stagehand-system/stagehand-webhook: agent image "+s.served.AgentImage,
		fmt.Sprintf("✓ namespace %s matches the namespaceSelector of pods.stagehand.io and profiled-pods.stagehand.io (stagehand.io/inject=enabled)", ns),
		"✓ it reaches profiled-pods.stagehand.io (failurePolicy Ignore)",
		"✓ InjectionProfile spark-executors (generation 1) selects it",
		"✓ stagehand.io/status: injected by stagehand",
		"✓ up to date: injecting it again with the live settings changes nothing",
		"=> injected: up to date with the live settings")

	s.changeInstallation(t, "STAGEHAND_AGENT_IMAGE", "mirror.example.com/stagehand/agent:v9.9.9")
	stdout, _, _ = s.kubectl(t, "", "explain", "pod", "exec-1", "-n", ns)
	contains(t, "explain after the agent image changed", stdout,
		"agent image mirror.example.com/stagehand/agent:v9.9.9",
		"=> injected: out of date: injected now, it would differ: agent image "+s.served.AgentImage+", now mirror.example.com/stagehand/agent:v9.9.9",
		"fix: delete the pod")
}

// TestExplainProfileChanged: a pod injected with generation 1 of its
// profile is out of date once the profile changes.
func TestExplainProfileChanged(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	p := sparkProfile(ns)
	s.withProfile(t, p)
	pod := executor("exec-1", nil)
	pod.Namespace = ns
	s.create(t, pod)
	p.Spec.Annotations[inject.TaskTimeout] = "30m"
	if err := s.client.Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	s.explainUntil(t, []string{"=> injected: out of date: injected now, it would differ: InjectionProfile spark-executors generation 1, now 2"},
		"pod", "exec-1", "-n", ns)
}

// TestExplainNotOptedIn: a fully annotated pod in a namespace without the
// label is created untouched; explain names the label and the command.
func TestExplainNotOptedIn(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, nil)
	pod := executor("exec-1", map[string]string{inject.ServiceAccountToken: "true", inject.Agent: "true"})
	pod.Namespace = ns
	s.create(t, pod)
	if injected(pod) {
		t.Fatal("a pod of a namespace without the label was injected")
	}
	stdout, _, _ := s.kubectl(t, "", "explain", "pod", "exec-1", "-n", ns)
	contains(t, "explain", stdout,
		fmt.Sprintf("✗ namespace %s lacks the label stagehand.io/inject=enabled: pods.stagehand.io and profiled-pods.stagehand.io do not select it", ns),
		fmt.Sprintf("fix: kubectl label namespace %s stagehand.io/inject=enabled", ns),
		"✗ no stagehand.io/status: stagehand did not inject this pod",
		fmt.Sprintf("=> not injected: namespace %s lacks the label stagehand.io/inject=enabled", ns))
}

// TestExplainMistyped: a pod whose only key is mistyped is created
// untouched, with a warning only kubectl showed, and its Event.
func TestExplainMistyped(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	pod := executor("exec-1", map[string]string{"stagehand.io/service-acount-token": "true"})
	pod.Namespace = ns
	s.create(t, pod)
	s.explainUntil(t, []string{
		"! stagehand.io/service-acount-token: unknown stagehand.io/ annotation; did you mean stagehand.io/service-account-token?",
		"! Event StagehandWarning on Pod exec-1",
		"=> not injected: its only stagehand.io/ keys are unknown (mistyped?): stagehand.io/service-acount-token",
	}, "pod", "exec-1", "-n", ns)
}

// TestExplainController: the keys on a ReplicaSet's own metadata, and the
// denial of a sibling pod recorded on the ReplicaSet.
func TestExplainController(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	labels := map[string]string{"app": "web"}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, Annotations: map[string]string{inject.Agent: "true"}},
		Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx", Command: []string{"nginx"}}}},
		}},
	}
	s.create(t, rs)
	owned := func(name string, anns map[string]string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, Annotations: anns, OwnerReferences: []metav1.OwnerReference{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
			Spec: rs.Spec.Template.Spec,
		}
	}
	s.create(t, owned("web-a", nil))
	if err := s.client.Create(t.Context(), owned("web-b", map[string]string{inject.Agent: "yes"})); err == nil {
		t.Fatal("a pod with stagehand.io/agent: yes was admitted")
	}
	s.explainUntil(t, []string{
		`✗ stagehand.io/agent is on the own metadata of the pod's controller, ReplicaSet "web" (a Deployment's own annotations are copied to its ReplicaSets), where stagehand never reads it`,
		"✗ Event StagehandDenied on ReplicaSet web",
		"pod web-b: stagehand cannot inject",
		"=> not injected: its stagehand.io/ keys are on its workload's own metadata, not on its pod template",
	}, "pod", "web-a", "-n", ns)
}

// TestExplainProfileAfterPod: a pod created before the profile that now
// selects it: not injected, and why.
func TestExplainProfileAfterPod(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	pod := executor("exec-1", nil)
	pod.Namespace = ns
	s.create(t, pod)
	s.withProfile(t, sparkProfile(ns))
	stdout, _, _ := s.kubectl(t, "", "explain", "pod", "exec-1", "-n", ns)
	contains(t, "explain", stdout, "=> not injected: InjectionProfile spark-executors selects it, but it was created without injection",
		"or the profile was created after the pod")
}

// TestExplainFile: explain -f reads the namespace and profiles of the
// cluster: a manifest for a namespace that does not exist, a Deployment
// with its keys on its own metadata, two profiles.
func TestExplainFile(t *testing.T) {
	s := env(t)
	stdout, _, code := s.kubectl(t, "", "explain", "-f", manifestsDir+"/examples/spark-executor.yaml")
	if code != 0 {
		t.Fatalf("explain -f exited %d", code)
	}
	contains(t, "explain -f of the example", stdout, "✗ namespace hivemr3-demo does not exist", "=> not injected: namespace hivemr3-demo does not exist")

	ns := s.newNamespace(t, optedIn)
	s.withProfile(t, sparkProfile(ns))
	other := sparkProfile(ns)
	other.Name = "executors-too"
	s.create(t, other)
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {stagehand.io/service-account-token: "true"}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, command: [nginx]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: exec-1, labels: {spark-role: executor}}
spec: {containers: [{name: e, image: apache/spark:3.5.3, args: [executor]}]}
`
	stdout, _, _ = s.kubectl(t, manifest, "explain", "-f", "-", "-n", ns)
	contains(t, "explain -f", stdout,
		`Deployment "web" (its pod template, spec.template) in namespace `+ns,
		"=> not injected: its stagehand.io/ keys are on its workload's own metadata, not on its pod template",
		"✗ 2 InjectionProfiles select it: executors-too, spark-executors",
		"=> would be denied: InjectionProfiles executors-too, spark-executors all select it")
}

// TestExplainNoPod: a pod that does not exist is an error, exit 1.
func TestExplainNoPod(t *testing.T) {
	s := env(t)
	ns := s.newNamespace(t, optedIn)
	stdout, stderr, code := s.kubectl(t, "", "explain", "pod", "missing", "-n", ns)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "not found") {
		t.Errorf("explain of a missing pod: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
