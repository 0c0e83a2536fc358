package node

import (
	"context"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// restrictedContext makes a pod and its container comply with PodSecurity
// "restricted".
func restrictedContext(pod *corev1.PodSpec) {
	pod.SecurityContext = &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr(true),
		RunAsUser:      ptr(int64(1000)),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	for i := range pod.Containers {
		pod.Containers[i].SecurityContext = &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
	}
}

// TestRestrictedNamespace: in a namespace that enforces PodSecurity
// "restricted", a pod asking for the token and the agent is admitted with
// what stagehand injected and runs to Succeeded.
func TestRestrictedNamespace(t *testing.T) {
	ns := namespace(t, optedIn, restricted)
	pod := taskPod(ns, "restricted", "test -s "+tokenDir+"/token && id -u", map[string]string{
		"stagehand.io/service-account-token": "true",
		"stagehand.io/agent":                 "true",
	})
	restrictedContext(&pod.Spec)
	create(t, pod)
	got := waitPod(t, ns, pod.Name, "Succeeded", succeeded)
	injected(t, got)
	if m := agentMessage(t, got, "task"); m.Reason != supervise.ReasonCompleted {
		t.Errorf("the agent reports %+v", m)
	}
}

// TestJobWithAgent: a Job whose pod template asks for the agent and the
// token completes; its pod, created by the Job controller, was injected
// and its task ended under the agent.
func TestJobWithAgent(t *testing.T) {
	c := env(t)
	ns := namespace(t, optedIn)
	tmpl := taskPod(ns, "", "test -s "+tokenDir+"/token && echo job-done", map[string]string{
		"stagehand.io/service-account-token": "true",
		"stagehand.io/agent":                 "true",
		"stagehand.io/task-timeout":          "5m",
	})
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "metastore-init", Namespace: ns},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr(int32(0)),
			Template:     corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Annotations: tmpl.Annotations}, Spec: tmpl.Spec},
		},
	}
	create(t, job)
	var got batchv1.Job
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, podTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Client.Get(ctx, client.ObjectKeyFromObject(job), &got); err != nil {
			return false, nil
		}
		return got.Status.Succeeded == 1, nil
	})
	var pods corev1.PodList
	if lerr := c.Client.List(t.Context(), &pods, client.InNamespace(ns), client.MatchingLabels{batchv1.JobNameLabel: job.Name}); lerr != nil {
		t.Fatal(lerr)
	}
	if err != nil {
		t.Fatalf("Job %s did not complete within %v (status %+v)", job.Name, podTimeout, got.Status)
	}
	if len(pods.Items) != 1 {
		t.Fatalf("Job %s has %d pods, want 1", job.Name, len(pods.Items))
	}
	p := &pods.Items[0]
	injected(t, p)
	if m := agentMessage(t, p, "task"); m.Reason != supervise.ReasonCompleted {
		t.Errorf("the agent reports %+v for the Job's pod", m)
	}
}
