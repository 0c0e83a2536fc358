package inject

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Described is what one injected part put into a pod, in words.
type Described struct {
	Part  string
	Lines []string
}

// Describe says, part by part, what stagehand injected into pod, as its
// status records it; ok is false when the pod was not injected.
func Describe(pod *Input) (parts []Described, ok bool) {
	status, ok := ParseStatus(pod.Metadata.Annotations[annotations.Status])
	if !ok {
		return nil, false
	}
	for _, name := range status.Parts {
		d := Described{Part: name, Lines: []string{"(unknown part)"}}
		for _, j := range table {
			if j.about().Part == name {
				d.Lines = j.describeIn(pod)
			}
		}
		parts = append(parts, d)
	}
	return parts, true
}

// volumeOf is the pod's volume of that name, or nil.
func volumeOf(pod *Input, name string) *corev1.Volume {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == name {
			return &pod.Spec.Volumes[i]
		}
	}
	return nil
}

// mountPathOf is where the first app container that mounts the volume
// mounts it.
func mountPathOf(pod *Input, volume string) string {
	for _, c := range pod.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.Name == volume {
				return m.MountPath
			}
		}
	}
	return "?"
}

// envOf is the first app container's env var of that name, or nil.
func envOf(pod *Input, name string) *corev1.EnvVar {
	for _, c := range pod.Spec.Containers {
		for i := range c.Env {
			if c.Env[i].Name == name {
				return &c.Env[i]
			}
		}
	}
	return nil
}

func envValueOf(pod *Input, name string) string {
	if e := envOf(pod, name); e != nil {
		return e.Value
	}
	return ""
}

func envSourceOf(pod *Input, name string) string {
	e := envOf(pod, name)
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

func ptrValue[T any](p *T) string {
	if p == nil {
		return "?"
	}
	return fmt.Sprint(*p)
}
