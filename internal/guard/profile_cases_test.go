package guard

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/testenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// refusal is how the profile guard begins refusing a pod that workers
// selects but stagehand did not inject with it.
const refusal = "stagehand guard: InjectionProfile workers selects this pod and, with it, the pod asks stagehand for credentials, dependencies, agent; but stagehand did not inject it with that profile: "

// testProfileGuard checks what the profile guard admits of the pods of a
// namespace with two profiles, injected as stagehand's webhook injects them
// or not: workers, which asks for a token, jars with a CA and the agent in
// the containers it names, and masters, which only asks for the agent.
func testProfileGuard(t *testing.T, c client.Client) {
	const name = "guard-profile-cases"
	installProfileGuard(t, c, name)
	ns := newNamespace(t, c, name)
	workers := newProfile(t, c, ns, "workers", metav1.LabelSelector{MatchLabels: map[string]string{"role": "worker"}}, map[string]string{
		inject.ServiceAccountToken:     "true",
		inject.Jars:                    "https://artifacts.example.com/hive/udfs-1.4.jar#sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		inject.DependenciesCAConfigMap: "corp-ca",
		inject.Agent:                   "true",
		annotations.Containers:         "worker",
		inject.TaskTimeout:             "1h",
	})
	// A second generation, so that the status must record the current one.
	workers.Spec.Annotations[inject.TaskTimeout] = "6h"
	if err := c.Update(t.Context(), workers); err != nil || workers.Generation != 2 {
		t.Fatalf("updating the profile: %v, generation %d", err, workers.Generation)
	}
	masters := newProfile(t, c, ns, "masters", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "role", Operator: metav1.LabelSelectorOpIn, Values: []string{"master"}},
	}}, map[string]string{inject.Agent: "true"})
	waitRefused(t, c, plainPod(ns, map[string]string{"role": "master"}, "master"), "InjectionProfile masters selects this pod")

	worker := plainPod(ns, map[string]string{"role": "worker"}, "worker", "sidecar")
	good := injected(t, worker, *workers)
	overridden := worker.DeepCopy()
	overridden.Annotations[inject.Agent] = "false"
	withoutAgent := injected(t, overridden, *workers)
	agentAgain := withoutAgent.DeepCopy()
	delete(agentAgain.Annotations, inject.Agent)
	optedOut := worker.DeepCopy()
	optedOut.Annotations[annotations.Inject] = "false"
	ownKeys := worker.DeepCopy()
	for k, v := range workers.Spec.Annotations {
		ownKeys.Annotations[k] = v
	}
	noProfile := injected(t, ownKeys) // the same keys, on the pod, without the profile
	other := plainPod(ns, map[string]string{"role": "other"}, "app")
	other.Annotations[inject.Agent] = "true"
	ownOnly := injected(t, other) // selected by no profile: stagehand-guard's business
	master := plainPod(ns, map[string]string{"role": "master"}, "master")
	master.Annotations[inject.Agent] = "false"
	status := func(pod *corev1.Pod, old, replacement string) *corev1.Pod {
		pod = pod.DeepCopy()
		s := pod.Annotations[annotations.Status]
		if !strings.Contains(s, old) {
			t.Fatalf("the status %s does not hold %s", s, old)
		}
		pod.Annotations[annotations.Status] = strings.Replace(s, old, replacement, 1)
		return pod
	}

	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want string // what the denial holds; "" to admit
	}{
		{"injected", good, ""}, // its sidecar, not a target of the profile, is not wrapped
		{"injected-without-its-profiles-volume", withoutVolume(good, inject.DepsSecretsVolume),
			"stagehand guard: volume " + inject.DepsSecretsVolume + " was removed after stagehand injected it"},
		{"not-injected", worker, refusal + "the pod has no stagehand.io/status. The stagehand webhook did not answer (pods without stagehand.io/ annotations are sent to it with failurePolicy Ignore), or the profile was created or changed while the pod was being created; create the pod again"},
		{"status-of-another-profile", status(good, `"name":"workers"`, `"name":"other"`), refusal + "stagehand.io/status records another profile, or not generation 2 of this one. The profile was created or changed while the pod was being created; create the pod again"},
		{"status-of-another-generation", status(good, `"generation":2}`, `"generation":1}`), refusal + "stagehand.io/status records another profile, or not generation 2"},
		{"status-without-profile", noProfile, refusal + "stagehand.io/status records no profile. The profile was created while the pod was being created, or the stagehand webhook runs with profiles turned off; create the pod again"},
		{"pod-turns-agent-off", withoutAgent, ""},
		{"agent-from-profile-again", agentAgain, "stagehand guard: stagehand.io/status does not list agent, which the pod with InjectionProfile workers asks for"},
		{"opted-out", optedOut, ""},
		{"selected-by-none", plainPod(ns, map[string]string{"role": "client"}, "app"), ""},
		{"asks-for-nothing", master, ""},
		{"own-keys-only", ownOnly, ""},
		{"own-keys-only-not-injected", other, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Create(t.Context(), tc.pod.DeepCopy(), client.DryRunAll)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want the denial %q", err, tc.want)
			}
		})
	}
	t.Run("profile-changed", func(t *testing.T) { testProfileChange(t, c, masters) })
	t.Run("unwrapped-target", func(t *testing.T) {
		pod := good.DeepCopy()
		pod.Spec.Containers[0].Command = []string{"sleep", "1d"}
		err := c.Create(t.Context(), pod, client.DryRunAll)
		if want := "the command of container worker no longer starts with /stagehand/bin/agent although the pod with InjectionProfile workers sets stagehand.io/agent"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want the denial %q", err, want)
		}
	})
}

// testProfileChange changes what profile p, which selects role=master, asks
// for, and measures how soon the API server's guard requires it (the figure
// is logged).
func testProfileChange(t *testing.T, c client.Client, p *v1alpha1.InjectionProfile) {
	p.Spec.Annotations = map[string]string{inject.ServiceAccountToken: "true"}
	pod := plainPod(p.Namespace, map[string]string{"role": "master"}, "master")
	start := time.Now()
	if err := c.Update(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	var last error
	err := wait.PollUntilContextTimeout(t.Context(), 5*time.Millisecond, testenv.WaitTimeout, true, func(ctx context.Context) (bool, error) {
		last = c.Create(ctx, pod.DeepCopy(), client.DryRunAll)
		return last != nil && strings.Contains(last.Error(), "the pod asks stagehand for credentials;"), nil
	})
	if err != nil {
		t.Fatalf("the guard never required what the changed profile asks for (last create error: %v): %v", last, err)
	}
	t.Logf("RELIABILITY profile-guard-propagation change=update after=%s", time.Since(start).Round(time.Millisecond))
}
