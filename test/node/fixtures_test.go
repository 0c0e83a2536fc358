package node

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/supervise"
)

// Bounds of the waits for pods; a pod with init containers runs to its
// end in about 3 s on the node.
const (
	podTimeout   = 90 * time.Second
	pollInterval = 250 * time.Millisecond
)

// busybox is the node's busybox image; tokenDir is where the token goes
// for a pod that turns automount off (the kubelet's path, as MR3 reads it).
const (
	busybox  = nodeenv.BusyboxImage
	tokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"
)

// Namespace labels: opted in to stagehand, and PodSecurity restricted.
var (
	optedIn    = map[string]string{"stagehand.io/inject": "enabled"}
	restricted = map[string]string{
		"pod-security.kubernetes.io/enforce":         "restricted",
		"pod-security.kubernetes.io/enforce-version": "latest",
	}
)

// namespace creates a namespace named after the test with labels, deleted
// (without waiting) when the test ends.
func namespace(t *testing.T, labels ...map[string]string) string {
	t.Helper()
	c := env(t)
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	name = strings.Trim(name, "-") + "-" + suffix()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}}}
	for _, l := range labels {
		for k, v := range l {
			ns.Labels[k] = v
		}
	}
	if err := c.Client.Create(t.Context(), ns); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = c.Client.Delete(ctx, ns)
	})
	return name
}

// suffix is a random suffix for names.
func suffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// taskPod is a pod of one busybox container running script under sh,
// never restarted, with annotations (the stagehand.io/ keys it asks for).
func taskPod(ns, name, script string, annots map[string]string) *corev1.Pod {
	no := false
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: annots},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  &no,
			RestartPolicy:                 corev1.RestartPolicyNever,
			TerminationGracePeriodSeconds: ptr(int64(30)),
			Containers: []corev1.Container{{
				Name: "task", Image: busybox, Command: []string{"/bin/sh", "-c", script},
			}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// create creates obj or fails the test.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env(t).Client.Create(t.Context(), obj); err != nil {
		t.Fatalf("creating %T %s/%s: %v", obj, obj.GetNamespace(), obj.GetName(), err)
	}
}

// waitPod waits until done says the pod is where the test wants it, and
// returns it; it fails with the pod's state, events and logs when the wait
// runs out or when done returns an error (a pod that can no longer get
// there).
func waitPod(t *testing.T, ns, name, what string, done func(*corev1.Pod) (bool, error)) *corev1.Pod {
	t.Helper()
	c := env(t)
	var pod corev1.Pod
	var failed error
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, podTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &pod); err != nil {
			return false, nil
		}
		ok, err := done(&pod)
		failed = err
		return ok, err
	})
	if err != nil {
		if failed != nil {
			err = failed
		}
		t.Fatalf("pod %s/%s did not become %s: %v\n%s", ns, name, what, err, describe(t, ns, &pod))
	}
	return &pod
}

// succeeded is a waitPod condition: the pod Succeeded.
func succeeded(p *corev1.Pod) (bool, error) {
	if p.Status.Phase == corev1.PodFailed {
		return false, fmt.Errorf("the pod Failed")
	}
	return p.Status.Phase == corev1.PodSucceeded, nil
}

// describe shows a pod's phase, every container's state, the namespace's
// events and each container's log.
func describe(t *testing.T, ns string, pod *corev1.Pod) string {
	c := env(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "phase %s %s\n", pod.Status.Phase, pod.Status.Reason)
	for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		st, _ := json.Marshal(s.State)
		fmt.Fprintf(&b, "  %s: %s\n", s.Name, st)
	}
	var events corev1.EventList
	_ = c.Client.List(ctx, &events, client.InNamespace(ns))
	for _, e := range events.Items {
		fmt.Fprintf(&b, "  event %s %s/%s %s: %s\n", e.Type, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
	}
	for _, ctr := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		fmt.Fprintf(&b, "  log of %s:\n%s\n", ctr.Name, logs(ctx, t, ns, pod.Name, ctr.Name))
	}
	return b.String()
}

// logs returns a container's log, or why there is none.
func logs(ctx context.Context, t *testing.T, ns, pod, container string) string {
	b, err := env(t).Clientset.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: container}).DoRaw(ctx)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// containerLog returns the log of a container of a finished pod.
func containerLog(t *testing.T, pod *corev1.Pod, container string) string {
	t.Helper()
	return logs(t.Context(), t, pod.Namespace, pod.Name, container)
}

// status returns the pod's container status by name, init containers
// included, or fails the test.
func status(t *testing.T, pod *corev1.Pod, name string) corev1.ContainerStatus {
	t.Helper()
	for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("pod %s has no status of container %s", pod.Name, name)
	return corev1.ContainerStatus{}
}

// agentMessage decodes the termination message of a container that ended
// under the agent; it fails the test unless it is the agent's.
func agentMessage(t *testing.T, pod *corev1.Pod, container string) supervise.TerminationMessage {
	t.Helper()
	term := status(t, pod, container).State.Terminated
	if term == nil {
		t.Fatalf("container %s of %s has not terminated", container, pod.Name)
	}
	var m supervise.TerminationMessage
	if err := json.Unmarshal([]byte(term.Message), &m); err != nil || m.Component != supervise.Component {
		t.Fatalf("container %s of %s: the termination message %q is not the agent's (%v)", container, pod.Name, term.Message, err)
	}
	return m
}

// injected fails the test unless the stored pod carries stagehand.io/status.
func injected(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	if _, ok := pod.Annotations[annotations.Status]; !ok {
		t.Fatalf("pod %s/%s was not injected: no %s; annotations %v", pod.Namespace, pod.Name, annotations.Status, pod.Annotations)
	}
}
