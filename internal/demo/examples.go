package demo

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/internal/overlay"
)

// jobPodTimeout bounds the wait for the Job controller's pod.
const jobPodTimeout = 60 * time.Second

// createExamples creates every example object in build order, each pod
// and pod template with the hostAliases of the Services, then the Timeline
// Server stand-in, and waits until the Job controller has created the
// Jobs' pods.
func (d *demo) createExamples(ctx context.Context, dir string) error {
	objects, err := overlay.Build(dir)
	if err != nil {
		return err
	}
	aliases := make([]any, 0, len(d.hosts))
	for _, h := range d.hosts {
		aliases = append(aliases, map[string]any{"ip": h.IP, "hostnames": []any{h.Hostnames[0]}})
	}
	for _, u := range objects {
		u = u.DeepCopy()
		switch u.GetKind() {
		case "Pod":
			err = unstructured.SetNestedSlice(u.Object, aliases, "spec", "hostAliases")
			d.pods = append(d.pods, u.GetName())
		case "Job":
			err = unstructured.SetNestedSlice(u.Object, aliases, "spec", "template", "spec", "hostAliases")
			d.jobs = append(d.jobs, u.GetName())
		}
		if err != nil {
			return err
		}
		if err := d.apply(ctx, u); err != nil {
			return fmt.Errorf("creating %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		d.n.line("created %s %s", u.GetKind(), u.GetName())
	}
	if err := d.startTimeline(ctx); err != nil {
		return err
	}
	for _, job := range d.jobs {
		pod, err := d.jobPod(ctx, job)
		if err != nil {
			return err
		}
		d.n.line("the Job controller created Pod %s for Job %s", pod, job)
		d.pods = append(d.pods, pod)
	}
	return nil
}

// jobPod waits for the pod of a Job and returns its name.
func (d *demo) jobPod(ctx context.Context, job string) (string, error) {
	var name string
	err := wait.PollUntilContextTimeout(ctx, pollInterval, jobPodTimeout, true, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		if err := d.c.Client.List(ctx, &pods, client.InNamespace(Namespace), client.MatchingLabels{batchv1.JobNameLabel: job}); err != nil {
			return false, nil
		}
		if len(pods.Items) > 0 {
			name = pods.Items[0].Name
		}
		return name != "", nil
	})
	if err != nil {
		return "", fmt.Errorf("the Job controller created no pod for Job %s within %v: %w", job, jobPodTimeout, err)
	}
	return name, nil
}
