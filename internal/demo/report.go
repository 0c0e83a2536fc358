package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// showPod shows a pod as the kubelet reports it: its phase, each
// container's ID and state (init containers first, in order), the
// termination messages, and the logs of the containers that ran the
// workload (and of any that failed).
func (d *demo) showPod(ctx context.Context, p *corev1.Pod) {
	fmt.Fprintf(d.n.out, "\n    Pod %s: %s%s, on %s, pod IP %s\n", p.Name, p.Status.Phase, since(p), p.Spec.NodeName, p.Status.PodIP)
	w := tabwriter.NewWriter(d.n.out, 0, 4, 2, ' ', 0)
	for _, s := range p.Status.InitContainerStatuses {
		fmt.Fprintf(w, "      init %s\t%s\t%s\n", s.Name, shortID(s.ContainerID), state(s.State))
	}
	for _, s := range p.Status.ContainerStatuses {
		fmt.Fprintf(w, "      %s\t%s\t%s\n", s.Name, shortID(s.ContainerID), state(s.State))
	}
	_ = w.Flush()
	for _, s := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		t := s.State.Terminated
		if t == nil || strings.TrimSpace(t.Message) == "" {
			continue
		}
		lines := strings.Split(strings.TrimSpace(t.Message), "\n")
		if len(lines) == 1 {
			d.n.line("  termination message of %s: %s", s.Name, lines[0])
			continue
		}
		// FallbackToLogsOnError: the kubelet took the end of the log.
		d.n.line("  termination message of %s (the end of its log), last line:", s.Name)
		d.n.line("    %s", prettyLine(lines[len(lines)-1]))
	}
	for _, s := range p.Status.InitContainerStatuses {
		if t := s.State.Terminated; t != nil && t.ExitCode != 0 && s.Name == inject.InitContainer {
			d.n.line("  %s failed: the kubelet never starts the pod's containers, the task starts only with its", s.Name)
			d.n.line("  dependencies in place. (This node has no route out and no DNS: anything outside the cluster is out of reach.)")
		}
	}
	if isService(p) && p.Status.Phase == corev1.PodRunning {
		return // its log comes once it has done its part
	}
	d.showLogs(ctx, p)
}

// showLogs shows the end of the log of each container that ran the
// workload: its containers, not the init containers (whose exits and
// termination messages say enough).
func (d *demo) showLogs(ctx context.Context, p *corev1.Pod) {
	for _, s := range p.Status.ContainerStatuses {
		if s.State.Running == nil && s.State.Terminated == nil {
			continue
		}
		d.n.line("  log of %s:", s.Name)
		for _, l := range d.logTail(ctx, p.Name, s.Name) {
			d.n.line("    %s", prettyLine(l))
		}
	}
}

// logTail returns the last logLines lines of a container's log.
func (d *demo) logTail(ctx context.Context, pod, container string) []string {
	tail := int64(logLines)
	b, err := d.c.Clientset.CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &tail}).DoRaw(ctx)
	if err != nil {
		return []string{fmt.Sprintf("(no log: %v)", err)}
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n")
}

// since says how long after its creation the pod got where it is: its
// last container's end, or its last start for a running service.
func since(p *corev1.Pod) string {
	var last time.Time
	for _, s := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		switch {
		case s.State.Terminated != nil && s.State.Terminated.FinishedAt.After(last):
			last = s.State.Terminated.FinishedAt.Time
		case s.State.Running != nil && s.State.Running.StartedAt.After(last):
			last = s.State.Running.StartedAt.Time
		}
	}
	if last.IsZero() {
		return ""
	}
	what := "ended"
	if p.Status.Phase == corev1.PodRunning {
		what = "started"
	}
	return fmt.Sprintf(", %s %v after its creation", what, last.Sub(p.CreationTimestamp.Time).Round(time.Second))
}

// state says what a container's state is, in kubectl's words.
func state(s corev1.ContainerState) string {
	switch {
	case s.Terminated != nil:
		return fmt.Sprintf("exited %d (%s)", s.Terminated.ExitCode, s.Terminated.Reason)
	case s.Running != nil:
		return "running since " + s.Running.StartedAt.Format(time.TimeOnly)
	case s.Waiting != nil:
		return "waiting: " + s.Waiting.Reason
	}
	return "not started"
}

// describe says where a pod is, for a wait that ran out: its phase, its
// containers' states and its events.
func (d *demo) describe(ctx context.Context, p *corev1.Pod) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pod %s: %s %s\n", p.Name, p.Status.Phase, p.Status.Reason)
	for _, s := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		fmt.Fprintf(&b, "  %s: %s\n", s.Name, state(s.State))
	}
	var events corev1.EventList
	_ = d.c.Client.List(ctx, &events, client.InNamespace(Namespace), client.MatchingFields{"involvedObject.name": p.Name})
	for _, e := range events.Items {
		fmt.Fprintf(&b, "  event %s %s: %s\n", e.Type, e.Reason, e.Message)
	}
	return b.String()
}
