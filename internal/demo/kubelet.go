package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Bounds of the kubelet's part.
const (
	// settleTimeout bounds each wait for the example pods to get where
	// they can: each runs to its end in seconds on the node.
	settleTimeout = 3 * time.Minute
	// logLines is how many lines of a container's log the demo shows.
	logLines = 12
)

// watch follows the example pods as the scheduler and the kubelet report
// them, showing each when it has got where it can: ended, or running for
// a service (restartPolicy Always). A pod the scheduler cannot place for
// want of resources waits for the services to end: once they have done
// their part (HiveServer2 reported its query to the Timeline Server), the
// demo deletes them, as when they are stopped, and follows the rest.
func (d *demo) watch(ctx context.Context) error {
	shown := map[string]bool{}
	pending, err := d.settle(ctx, shown, false)
	if err != nil {
		return err
	}
	services := d.services(ctx)
	if len(services) > 0 {
		if err := d.waitQuery(ctx); err != nil {
			return err
		}
		for _, p := range services {
			fmt.Fprintf(d.n.out, "\n    Pod %s, once the Timeline Server stand-in has its report:\n", p.Name)
			d.showLogs(ctx, p)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	for _, p := range pending {
		fmt.Fprintf(d.n.out, "\n    Pod %s is not scheduled: %s\n", p.Name, p.reason)
	}
	for _, p := range services {
		if err := d.c.Client.Delete(ctx, p); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting pod %s: %w", p.Name, err)
		}
		d.n.line("deleted Pod %s, which has done its part, to free the CPU it requests", p.Name)
		d.pods = slices.DeleteFunc(d.pods, func(n string) bool { return n == p.Name })
	}
	_, err = d.settle(ctx, shown, true)
	return err
}

// unscheduled is a pod the scheduler could not place, and why.
type unscheduled struct {
	Name, reason string
}

// settle waits until every example pod has ended, runs as a ready service,
// or (unless all is set) is unschedulable while nothing else of the demo's
// is still on its way, showing each pod once when it gets there. It
// returns the unschedulable ones.
func (d *demo) settle(ctx context.Context, shown map[string]bool, all bool) ([]unscheduled, error) {
	var pending []unscheduled
	var last []corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, pollInterval, settleTimeout, true, func(ctx context.Context) (bool, error) {
		pods, err := d.examplePods(ctx)
		if err != nil {
			return false, nil //nolint:nilerr // a failed list: try again
		}
		last, pending = pods, nil
		busy := false
		for i := range pods {
			p := &pods[i]
			switch {
			case settled(p):
				if !shown[p.Name] {
					shown[p.Name] = true
					d.showPod(ctx, p)
				}
			case !all && unschedulable(p) != "":
				pending = append(pending, unscheduled{p.Name, unschedulable(p)})
			default:
				busy = true
			}
		}
		return !busy, nil
	})
	if err != nil {
		var b strings.Builder
		for i := range last {
			if !settled(&last[i]) {
				b.WriteString(d.describe(ctx, &last[i]))
			}
		}
		return nil, fmt.Errorf("the example pods did not get where they can within %v: %w\n%s", settleTimeout, err, b.String())
	}
	return pending, nil
}

// examplePods reads the example pods that exist, in the demo's order.
func (d *demo) examplePods(ctx context.Context) ([]corev1.Pod, error) {
	var out []corev1.Pod
	for _, name := range d.pods {
		var p corev1.Pod
		err := d.c.Client.Get(ctx, client.ObjectKey{Namespace: Namespace, Name: name}, &p)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// services are the example pods that run as services: restartPolicy
// Always, running.
func (d *demo) services(ctx context.Context) []*corev1.Pod {
	pods, err := d.examplePods(ctx)
	if err != nil {
		return nil
	}
	var out []*corev1.Pod
	for i := range pods {
		if isService(&pods[i]) && pods[i].Status.Phase == corev1.PodRunning {
			out = append(out, &pods[i])
		}
	}
	return out
}

func isService(p *corev1.Pod) bool {
	return p.Spec.RestartPolicy == "" || p.Spec.RestartPolicy == corev1.RestartPolicyAlways
}

// settled says whether the pod has got where it goes: ended, or running
// with every container ready for a service.
func settled(p *corev1.Pod) bool {
	switch p.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return true
	case corev1.PodRunning:
		if !isService(p) {
			return false
		}
		for _, s := range p.Status.ContainerStatuses {
			if !s.Ready {
				return false
			}
		}
		return len(p.Status.ContainerStatuses) > 0
	}
	return false
}

// unschedulable returns the scheduler's reason when it cannot place the
// pod, "" otherwise.
func unschedulable(p *corev1.Pod) string {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return c.Message
		}
	}
	return ""
}
