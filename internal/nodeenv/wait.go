package nodeenv

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Bounds of the waits; each is far above what the node needs (a rollout of
// the two replicas takes about 30 s, most of it the replicas' shutdown
// delay).
const (
	RolloutTimeout = 3 * time.Minute
	ProbeTimeout   = time.Minute
	pollInterval   = 500 * time.Millisecond
)

// WebhookPods selects the webhook Deployment's pods.
var WebhookPods = client.MatchingLabels{
	"app.kubernetes.io/name":      "stagehand",
	"app.kubernetes.io/component": "webhook",
}

// ProbeNamespace is the opted-in namespace of the dry-run probe pod.
const ProbeNamespace = "stagehand-nodeenv-probe"

// WaitWebhook waits until the webhook Deployment has rolled out all its
// replicas Ready and the API server calls the webhook for a pod that asks
// for stagehand. Its error names what did not come up, with the events of
// stagehand-system and the webhook pods' logs.
func (c *Cluster) WaitWebhook(ctx context.Context) error {
	if err := c.WaitRollout(ctx); err != nil {
		return err
	}
	return c.WaitInjecting(ctx)
}

// WaitRollout waits until the Deployment's controller has seen its latest
// spec and every replica is updated and available, and no old one is left.
func (c *Cluster) WaitRollout(ctx context.Context) error {
	begin := time.Now()
	var d appsv1.Deployment
	err := wait.PollUntilContextTimeout(ctx, pollInterval, RolloutTimeout, true, func(ctx context.Context) (bool, error) {
		if err := c.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: Deployment}, &d); err != nil {
			return false, nil
		}
		return RolledOut(&d), nil
	})
	if err != nil {
		s := d.Status
		return fmt.Errorf("Deployment %s/%s not rolled out within %v (replicas %d, updated %d, ready %d, available %d): %w\n%s",
			Namespace, Deployment, RolloutTimeout, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.AvailableReplicas,
			err, c.Diagnose(context.WithoutCancel(ctx)))
	}
	c.logf("Deployment %s: %d replicas ready after %v", Deployment, d.Status.ReadyReplicas, time.Since(begin).Round(time.Millisecond))
	return nil
}

// RolledOut reports whether every replica of d runs its latest template
// and is available, with no old replica left.
func RolledOut(d *appsv1.Deployment) bool {
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.Replicas == want && s.UpdatedReplicas == want &&
		s.AvailableReplicas == want && s.ReadyReplicas == want
}

// WaitInjecting waits until a pod that asks for a token, created dry-run
// in an opted-in namespace, comes back with stagehand.io/status: the API
// server reaches the webhook through its Service and trusts its
// certificate.
func (c *Cluster) WaitInjecting(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ProbeNamespace, Labels: map[string]string{"stagehand.io/inject": "enabled"}}}
	if err := c.Client.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", ProbeNamespace, err)
	}
	begin := time.Now()
	var last error
	err := wait.PollUntilContextTimeout(ctx, pollInterval, ProbeTimeout, true, func(ctx context.Context) (bool, error) {
		pod := ProbePod(ProbeNamespace)
		if last = c.Client.Create(ctx, pod, client.DryRunAll); last != nil {
			return false, nil
		}
		if _, ok := pod.Annotations[annotations.Status]; !ok {
			last = errors.New("the pod came back without " + annotations.Status)
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("the API server did not call the webhook within %v: %w (last: %v)\n%s",
			ProbeTimeout, err, last, c.Diagnose(context.WithoutCancel(ctx)))
	}
	c.logf("the API server calls the webhook (after %v)", time.Since(begin).Round(time.Millisecond))
	return nil
}

// ProbePod is a pod that asks stagehand for a token.
func ProbePod(namespace string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "stagehand-probe", Namespace: namespace,
			Annotations: map[string]string{"stagehand.io/service-account-token": "true"},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "probe", Image: BusyboxImage}}},
	}
}

// Diagnose describes stagehand-system for a failure: the last events and
// each webhook pod's phase, container states and log tail.
func (c *Cluster) Diagnose(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var b strings.Builder
	var events corev1.EventList
	if err := c.Client.List(ctx, &events, client.InNamespace(Namespace)); err != nil {
		fmt.Fprintf(&b, "events of %s: %v\n", Namespace, err)
	}
	slices.SortFunc(events.Items, func(a, b corev1.Event) int { return a.LastTimestamp.Compare(b.LastTimestamp.Time) })
	if n := len(events.Items); n > 15 {
		events.Items = events.Items[n-15:]
	}
	fmt.Fprintf(&b, "last events of %s:\n", Namespace)
	for _, e := range events.Items {
		fmt.Fprintf(&b, "  %s %s %s/%s %s: %s\n", e.LastTimestamp.Format(time.TimeOnly), e.Type,
			e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
	}
	var pods corev1.PodList
	if err := c.Client.List(ctx, &pods, client.InNamespace(Namespace), WebhookPods); err != nil {
		fmt.Fprintf(&b, "webhook pods: %v\n", err)
	}
	tail := int64(30)
	for _, p := range pods.Items {
		fmt.Fprintf(&b, "pod %s: %s\n", p.Name, p.Status.Phase)
		for _, s := range p.Status.ContainerStatuses {
			fmt.Fprintf(&b, "  container %s ready=%v restarts=%d state=%+v\n", s.Name, s.Ready, s.RestartCount, s.State)
		}
		logs, err := c.Clientset.CoreV1().Pods(Namespace).GetLogs(p.Name, &corev1.PodLogOptions{TailLines: &tail}).DoRaw(ctx)
		if err != nil {
			fmt.Fprintf(&b, "  logs: %v\n", err)
			continue
		}
		fmt.Fprintf(&b, "  last log lines:\n%s\n", indent(string(logs)))
	}
	return b.String()
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n")
}
