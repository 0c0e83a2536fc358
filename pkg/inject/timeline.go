package inject

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TimelineURL sets the Timeline Server URL given to the task.
const TimelineURL = annotations.Prefix + "timeline-url"

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

// Names of the timeline injection.
const (
	PartTimeline = "timeline-url"
	// SpoolVolume holds the agent's event spool. It outlives container
	// restarts, so a restarted agent sends what its predecessor could not.
	SpoolVolume = volumePrefix + "spool"
	// SpoolDir is where the spool is mounted, writable, in the agent's
	// containers.
	SpoolDir = agentapi.SpoolDir
)

// TimelineSpec is the Timeline Server URL.
type TimelineSpec string

// timeline gives the target containers the Timeline Server URL and, when
// the agent or the fetcher runs there, what they need to report each task:
// the pod's identity and a spool that survives restarts.
var _ = register(&injection[TimelineSpec]{
	About: About{
		Part: PartTimeline, Field: "timelineURL", Rank: 40,
		Keys: []annotations.Key{
			{Name: TimelineURL, Description: "Timeline Server URL, given to the containers as `STAGEHAND_TIMELINE_URL`.",
				Default: "none", Valid: "an absolute http:// or https:// URL with a host and no credentials", Validate: annotations.ValidateHTTPURL},
		},
		Asks: []string{TimelineURL}, AskedAs: TimelineURL,
		Owns: Owned{
			Volumes: []string{SpoolVolume},
			Env:     []string{TimelineURLEnv, PodNameEnv, PodNamespaceEnv, NodeNameEnv, ContainerNameEnv, ContainerImgEnv, SpoolDirEnv},
		},
		Guard: Guard{Asked: celNotEmpty(TimelineURL)},
	},
	parse: func(p *parser) *TimelineSpec {
		v := TimelineSpec(p.anns[TimelineURL])
		if v == "" {
			return nil
		}
		return &v
	},
	apply: func(e *editor, url *TimelineSpec) {
		e.ensureEnv(corev1.EnvVar{Name: TimelineURLEnv, Value: string(*url)}, TimelineURL)
		if !reports(e.spec) {
			return
		}
		e.ensureVolume(corev1.Volume{Name: SpoolVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptrTo(smallDirLimit())}}}, TimelineURL)
		e.ensureMount(corev1.VolumeMount{Name: SpoolVolume, MountPath: SpoolDir}, TimelineURL)
		for _, v := range podIdentityEnv() {
			e.ensureEnv(v, TimelineURL)
		}
		e.ensureEnvEach(ContainerNameEnv, TimelineURL, func(c *Container) corev1.EnvVar {
			return corev1.EnvVar{Name: ContainerNameEnv, Value: c.Name}
		})
		e.ensureEnvEach(ContainerImgEnv, TimelineURL, func(c *Container) corev1.EnvVar {
			return corev1.EnvVar{Name: ContainerImgEnv, Value: c.Image}
		})
		e.ensureEnv(corev1.EnvVar{Name: SpoolDirEnv, Value: SpoolDir}, TimelineURL)
	},
	mounts: func(s *Spec, _ *TimelineSpec) []mountPoint {
		if !reports(s) {
			return nil
		}
		return []mountPoint{{key: TimelineURL, path: SpoolDir, fixed: true}}
	},
	describe: func(pod *Input) []string {
		return []string{"STAGEHAND_TIMELINE_URL=" + envValueOf(pod, TimelineURLEnv)}
	},
})

// reports tells whether an agent or fetcher runs that reports to the
// Timeline Server.
func reports(s *Spec) bool {
	return requestOf[TimelineSpec](s) != nil && (requestOf[AgentSpec](s) != nil || requestOf[DepsSpec](s) != nil)
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

// reporterEnv is what a container of stagehand's own needs to report to the
// Timeline Server, in the order it is listed; nil when nothing reports.
func reporterEnv(s *Spec, container, image string) []corev1.EnvVar {
	url := requestOf[TimelineSpec](s)
	if !reports(s) {
		return nil
	}
	env := []corev1.EnvVar{{Name: TimelineURLEnv, Value: string(*url)}}
	if src := requestOf[KeyRef](s).source(); src != nil {
		env = append(env, corev1.EnvVar{Name: ATSSecretKeyEnv, ValueFrom: src})
	}
	env = append(env, podIdentityEnv()...)
	return append(env,
		corev1.EnvVar{Name: ContainerNameEnv, Value: container},
		corev1.EnvVar{Name: ContainerImgEnv, Value: image},
		corev1.EnvVar{Name: SpoolDirEnv, Value: SpoolDir})
}
