package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
	"github.com/stagehand-k8s/stagehand/pkg/inject"
	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// summarize prints, for each example pod as the API server stored it, a
// table of what stagehand injected.
func summarize(ctx context.Context, c *cluster, ex *examples, n *narrator) error {
	for _, key := range ex.pods {
		var pod corev1.Pod
		if err := c.client.Get(ctx, key, &pod); err != nil {
			return fmt.Errorf("reading pod %s back: %w", key, err)
		}
		status, ok := inject.ParseStatus(pod.Annotations[annotations.Status])
		fmt.Fprintf(n.out, "\n    Pod %s/%s\n", pod.Namespace, pod.Name)
		if !ok {
			n.line("  (not injected)")
			continue
		}
		w := tabwriter.NewWriter(n.out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "      PART\tWHAT STAGEHAND INJECTED\n")
		for _, part := range status.Parts {
			for i, what := range describe(&pod, part) {
				label := part
				if i > 0 {
					label = ""
				}
				fmt.Fprintf(w, "      %s\t%s\n", label, what)
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		inits := strings.Join(containerNames(pod.Spec.InitContainers), ", ")
		if inits == "" {
			inits = "none"
		}
		n.line("  init containers: %s", inits)
	}
	return nil
}

// describe says in words what one injected part put into the pod.
func describe(pod *corev1.Pod, part string) []string {
	switch part {
	case inject.PartCredentials:
		v := volume(pod, inject.TokenVolume)
		sa := v.Projected.Sources[0].ServiceAccountToken
		return []string{fmt.Sprintf("projected token (expires in %ds), ca.crt and namespace at %s",
			*sa.ExpirationSeconds, mountPath(pod, inject.TokenVolume))}
	case inject.PartATSKey:
		return []string{"ATS_SECRET_KEY from " + envSource(pod, inject.ATSSecretKeyEnv) + " (a reference: the value never enters the pod spec)"}
	case inject.PartKeytab:
		v := volume(pod, inject.KeytabVolume)
		return []string{fmt.Sprintf("Secret %s read-only at %s", v.Secret.SecretName, mountPath(pod, inject.KeytabVolume))}
	case inject.PartTimeline:
		return []string{"STAGEHAND_TIMELINE_URL=" + envValue(pod, inject.TimelineURLEnv)}
	case inject.PartDeps:
		return describeDeps(pod)
	case inject.PartAgent:
		var out []string
		for _, c := range pod.Spec.Containers {
			if len(c.Command) > 0 && c.Command[0] == inject.AgentBinary {
				out = append(out, fmt.Sprintf("%s runs: %s", c.Name, strings.Join(c.Command, " ")))
			}
		}
		return out
	}
	return []string{"(unknown part)"}
}

func describeDeps(pod *corev1.Pod) []string {
	for _, c := range pod.Spec.InitContainers {
		if c.Name != inject.FetchContainer {
			continue
		}
		var job agentapi.Job
		for _, e := range c.Env {
			if e.Name == agentapi.EnvJob {
				_ = json.Unmarshal([]byte(e.Value), &job)
			}
		}
		out := []string{fmt.Sprintf("%s fetches %d jar(s), %d file(s), %d archive(s) before the task starts",
			inject.FetchContainer, len(job.Jars), len(job.Files), len(job.Archives))}
		for _, uri := range slices.Concat(job.Jars, job.Files, job.Archives) {
			out = append(out, "  "+redaction.URL(uri))
		}
		return append(out, "SPARK_EXTRA_CLASSPATH="+envValue(pod, inject.SparkClasspathEnv))
	}
	return nil
}

func volume(pod *corev1.Pod, name string) *corev1.Volume {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == name {
			return &pod.Spec.Volumes[i]
		}
	}
	return &corev1.Volume{}
}

func mountPath(pod *corev1.Pod, volumeName string) string {
	for _, c := range pod.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.Name == volumeName {
				return m.MountPath
			}
		}
	}
	return "?"
}

// findEnv returns the first app container's env var of that name.
func findEnv(pod *corev1.Pod, name string) *corev1.EnvVar {
	for _, c := range pod.Spec.Containers {
		for i := range c.Env {
			if c.Env[i].Name == name {
				return &c.Env[i]
			}
		}
	}
	return nil
}

func envValue(pod *corev1.Pod, name string) string {
	if e := findEnv(pod, name); e != nil {
		return e.Value
	}
	return ""
}

func envSource(pod *corev1.Pod, name string) string {
	e := findEnv(pod, name)
	switch {
	case e == nil || e.ValueFrom == nil:
		return "?"
	case e.ValueFrom.SecretKeyRef != nil:
		return "Secret " + e.ValueFrom.SecretKeyRef.Name + ", key " + e.ValueFrom.SecretKeyRef.Key
	case e.ValueFrom.ConfigMapKeyRef != nil:
		return "ConfigMap " + e.ValueFrom.ConfigMapKeyRef.Name + ", key " + e.ValueFrom.ConfigMapKeyRef.Key
	}
	return "?"
}

func containerNames(cs []corev1.Container) []string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}
