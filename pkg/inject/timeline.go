package inject

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// The env vars that tell the agent where and what to report. The pod's
// identity comes from the downward API; the container's name and image are
// spelled out, since the downward API does not give them.
const (
	TimelineURLEnv   = agentapi.EnvTimelineURL
	PodNameEnv       = agentapi.EnvPodName
	PodNamespaceEnv  = agentapi.EnvPodNamespace
	NodeNameEnv      = agentapi.EnvNodeName
	ContainerNameEnv = agentapi.EnvContainerName
	ContainerImgEnv  = agentapi.EnvContainerImage
	SpoolDirEnv      = agentapi.EnvSpoolDir
)

// SpoolVolume holds the agent's event spool. It outlives container
// restarts, so a restarted agent sends what its predecessor could not.
const SpoolVolume = volumePrefix + "spool"

// SpoolDir is where the spool is mounted, writable, in the agent's
// containers.
const SpoolDir = agentapi.SpoolDir

// injectTimelineURL gives the target containers the Timeline Server URL and,
// when the agent or the fetcher runs there, what they need to report each
// task: the pod's identity and a spool that survives restarts.
func injectTimelineURL(e *editor) bool {
	if e.spec.TimelineURL == "" {
		return false
	}
	e.ensureEnv(corev1.EnvVar{Name: TimelineURLEnv, Value: e.spec.TimelineURL}, annotations.TimelineURL)
	if !reports(e.spec) {
		return true
	}
	limit := smallDirLimit
	e.ensureVolume(corev1.Volume{Name: SpoolVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}}, annotations.TimelineURL)
	e.ensureMount(corev1.VolumeMount{Name: SpoolVolume, MountPath: SpoolDir}, annotations.TimelineURL)
	for _, v := range podIdentityEnv() {
		e.ensureEnv(v, annotations.TimelineURL)
	}
	e.ensureEnvEach(ContainerNameEnv, annotations.TimelineURL, func(c *Container) corev1.EnvVar {
		return corev1.EnvVar{Name: ContainerNameEnv, Value: c.Name}
	})
	e.ensureEnvEach(ContainerImgEnv, annotations.TimelineURL, func(c *Container) corev1.EnvVar {
		return corev1.EnvVar{Name: ContainerImgEnv, Value: c.Image}
	})
	e.ensureEnv(corev1.EnvVar{Name: SpoolDirEnv, Value: SpoolDir}, annotations.TimelineURL)
	return true
}

// reports tells whether an agent or fetcher runs that reports to the
// Timeline Server.
func reports(spec *annotations.Spec) bool {
	return spec.TimelineURL != "" && (spec.Agent != nil || spec.Deps != nil)
}

// podIdentityEnv is the pod's identity, from the downward API.
func podIdentityEnv() []corev1.EnvVar {
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: path}}}
	}
	return []corev1.EnvVar{
		field(PodNameEnv, "metadata.name"),
		field(PodNamespaceEnv, "metadata.namespace"),
		field(NodeNameEnv, "spec.nodeName"),
	}
}

// fetchReporterEnv is what the fetch container needs to report to the
// Timeline Server, in the order it is listed.
func fetchReporterEnv(spec *annotations.Spec, image string) []corev1.EnvVar {
	if !reports(spec) {
		return nil
	}
	env := []corev1.EnvVar{{Name: TimelineURLEnv, Value: spec.TimelineURL}}
	if src := atsKeySource(spec.ATSKey); src != nil {
		env = append(env, corev1.EnvVar{Name: ATSSecretKeyEnv, ValueFrom: src})
	}
	env = append(env, podIdentityEnv()...)
	return append(env,
		corev1.EnvVar{Name: ContainerNameEnv, Value: FetchContainer},
		corev1.EnvVar{Name: ContainerImgEnv, Value: image},
		corev1.EnvVar{Name: SpoolDirEnv, Value: SpoolDir})
}
