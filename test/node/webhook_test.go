package node

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/nodeenv"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/apis/stagehand/v1alpha1"
)

// scaleWebhook sets the webhook Deployment's replicas.
func scaleWebhook(ctx context.Context, c *nodeenv.Cluster, replicas int32) error {
	var d appsv1.Deployment
	if err := c.Client.Get(ctx, client.ObjectKey{Namespace: nodeenv.Namespace, Name: nodeenv.Deployment}, &d); err != nil {
		return err
	}
	patch := client.MergeFrom(d.DeepCopy())
	d.Spec.Replicas = &replicas
	return c.Client.Patch(ctx, &d, patch)
}

// TestWebhookDown: with the webhook scaled to zero, pods of an opted-in
// namespace are treated as docs/operations.md ("Which pods reach the
// webhook") says: a pod with a stagehand.io/ annotation of its own is
// rejected (failed calling webhook "pods.stagehand.io"); a pod no profile
// selects is created untouched and runs; a pod a profile selects is
// refused by stagehand-profile-guard, whose message names the profile.
// The webhook is scaled back and answers again at the end, also when the
// test fails.
func TestWebhookDown(t *testing.T) {
	c := env(t)
	ns := namespace(t, optedIn)
	profile := &v1alpha1.InjectionProfile{
		ObjectMeta: metav1.ObjectMeta{Name: "workers", Namespace: ns},
		Spec: v1alpha1.InjectionProfileSpec{
			Selector:    metav1.LabelSelector{MatchLabels: map[string]string{"role": "worker"}},
			Annotations: map[string]string{"stagehand.io/service-account-token": "true"},
		},
	}
	create(t, profile)
	selected := taskPod(ns, "selected", "true", nil)
	selected.Labels = map[string]string{"role": "worker"}
	waitProfileSeen(t, selected, profile.Name)

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), nodeenv.RolloutTimeout+nodeenv.ProbeTimeout)
		defer cancel()
		if err := scaleWebhook(ctx, c, 2); err != nil {
			t.Errorf("scaling the webhook back to 2: %v", err)
			return
		}
		if err := c.WaitWebhook(ctx); err != nil {
			t.Errorf("the webhook did not come back: %v", err)
		}
	})
	if err := scaleWebhook(t.Context(), c, 0); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(t.Context(), pollInterval, podTimeout, true, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		err := c.Client.List(ctx, &pods, client.InNamespace(nodeenv.Namespace), nodeenv.WebhookPods)
		return err == nil && len(pods.Items) == 0, nil
	})
	if err != nil {
		t.Fatalf("the webhook's pods did not go within %v: %v", podTimeout, err)
	}

	annotated := taskPod(ns, "annotated", "true", map[string]string{"stagehand.io/service-account-token": "true"})
	err = c.Client.Create(t.Context(), annotated)
	if err == nil || !strings.Contains(err.Error(), `failed calling webhook "pods.stagehand.io"`) {
		t.Errorf("a pod with its own stagehand.io/ annotation, webhook down: got %v, want the rejection failed calling webhook \"pods.stagehand.io\"", err)
	}

	err = c.Client.Create(t.Context(), selected)
	if err == nil || !strings.Contains(err.Error(), "stagehand-profile-guard") ||
		!strings.Contains(err.Error(), "InjectionProfile "+profile.Name+" selects this pod") {
		t.Errorf("a pod profile %s selects, webhook down: got %v, want a refusal by stagehand-profile-guard naming the profile", profile.Name, err)
	}

	plain := taskPod(ns, "unselected", "echo untouched", nil)
	plain.Labels = map[string]string{"role": "other"}
	want := plain.Spec.DeepCopy()
	create(t, plain)
	got := waitPod(t, ns, plain.Name, "Succeeded", succeeded)
	if _, ok := got.Annotations[annotations.Status]; ok || len(got.Spec.InitContainers) != 0 || len(got.Spec.Volumes) != len(want.Volumes) ||
		strings.Join(got.Spec.Containers[0].Command, " ") != strings.Join(want.Containers[0].Command, " ") {
		t.Errorf("the pod no profile selects was changed while the webhook was down: annotations %v, init containers %d, volumes %d, command %q",
			got.Annotations, len(got.Spec.InitContainers), len(got.Spec.Volumes), got.Spec.Containers[0].Command)
	}
}

// restarted reports whether the Deployment rolled out its new template and
// every old replica is gone: an old one keeps serving while it terminates
// (STAGEHAND_SHUTDOWN_DELAY), after the Deployment counts it out.
func restarted(t *testing.T, c *nodeenv.Cluster, key client.ObjectKey) bool {
	var d appsv1.Deployment
	var pods corev1.PodList
	if c.Client.Get(t.Context(), key, &d) != nil || !nodeenv.RolledOut(&d) ||
		c.Client.List(t.Context(), &pods, client.InNamespace(key.Namespace), nodeenv.WebhookPods) != nil {
		return false
	}
	return len(pods.Items) == int(*d.Spec.Replicas)
}

// Load of the rolling restart: one pod creation every restartInterval,
// at most restartMaxPods (the restart of two replicas takes about 30 s,
// most of it the old replicas' shutdown delay),
// and restartAfter more once the rollout is done.
const (
	restartInterval = 750 * time.Millisecond
	restartMaxPods  = 100
	restartAfter    = 5
)

// TestRollingRestartLosesNoCreation: pods asking for stagehand are created
// at a steady rate while the webhook Deployment restarts (a new template,
// as `kubectl rollout restart` makes); every creation succeeds and comes
// back injected. The pods select no node, so they stay Pending: what is
// measured is admission, and the node's two cores are not spent on
// running them.
func TestRollingRestartLosesNoCreation(t *testing.T) {
	c := env(t)
	ns := namespace(t, optedIn)
	var d appsv1.Deployment
	key := client.ObjectKey{Namespace: nodeenv.Namespace, Name: nodeenv.Deployment}
	if err := c.Client.Get(t.Context(), key, &d); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(d.DeepCopy())
	if d.Spec.Template.Annotations == nil {
		d.Spec.Template.Annotations = map[string]string{}
	}
	d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] = time.Now().Format(time.RFC3339Nano)
	if err := c.Client.Patch(t.Context(), &d, patch); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), nodeenv.RolloutTimeout+nodeenv.ProbeTimeout)
		defer cancel()
		if err := c.WaitWebhook(ctx); err != nil {
			t.Errorf("the webhook after the restart: %v", err)
		}
	})

	var failures []string
	created, during, after := 0, 0, -1
	tick := time.NewTicker(restartInterval)
	defer tick.Stop()
	for ; created < restartMaxPods && after < restartAfter; created++ {
		pod := taskPod(ns, fmt.Sprintf("load-%03d", created), "true", map[string]string{"stagehand.io/service-account-token": "true"})
		pod.Spec.NodeSelector = map[string]string{"stagehand.io/no-such-node": "true"}
		if err := c.Client.Create(t.Context(), pod); err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", pod.Name, err))
		} else if _, ok := pod.Annotations[annotations.Status]; !ok {
			failures = append(failures, pod.Name+": created without injection")
		}
		if restarted(t, c, key) {
			after++
		} else {
			during++
		}
		<-tick.C
	}
	if after < 0 {
		t.Fatalf("the rollout did not finish while %d pods were created, one every %v", created, restartInterval)
	}
	t.Logf("RELIABILITY rolling restart of the webhook: %d pod creations (%d during the rollout), %d failed or uninjected",
		created, during, len(failures))
	if len(failures) > 0 {
		t.Errorf("%d of %d creations failed or came back uninjected during the rolling restart:\n%s",
			len(failures), created, strings.Join(failures, "\n"))
	}
}
