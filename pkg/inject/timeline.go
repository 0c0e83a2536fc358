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
	// SpoolDir is where the agent's event spool is, a writable directory
	// of stagehand's emptyDir. It outlives container restarts, so a
	// restarted agent sends what its predecessor could not.
	SpoolDir = agentapi.SpoolDir
)

// TimelineSpec is the Timeline Server URL.
type TimelineSpec string

// timeline gives the target containers the Timeline Server URL and, when
// the agent runs there, what it needs to report each task: the pod's
// identity and a spool that survives restarts. When the init container
// fetches, it gives it what the fetch needs to report, less what the agent
// derives there (its container name, the spool's directory).
var _ = register(&injection[TimelineSpec]{
	About: About{
		Part: PartTimeline, Field: "timelineURL", Rank: 40,
		Keys: []annotations.Key{
			{Name: TimelineURL, Description: "Timeline Server URL, given to the containers as `STAGEHAND_TIMELINE_URL`.",
				Default: "none", Valid: "an absolute http:// or https:// URL with a host and no credentials", Validate: annotations.ValidateHTTPURL},
		},
		Asks: []string{TimelineURL}, AskedAs: TimelineURL,
		// The spool is in the emptyDir of the agent or the dependencies,
		// which own it.
		Owns: Owned{
			Env: []string{TimelineURLEnv, PodNameEnv, PodNamespaceEnv, NodeNameEnv, ContainerNameEnv, ContainerImgEnv, SpoolDirEnv},
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
		if fetchReports(e.spec) || agentReports(e.spec) {
			e.useData(smallDirLimit(), "") // the agent's or the dependencies'

		}
		if fetchReports(e.spec) {
			e.addInitStep(initStep{env: reporterEnv(e.spec)})
		}
		if !agentReports(e.spec) {
			return
		}
		e.ensureMount(dataMount(SpoolDir, SpoolDir, false), TimelineURL)
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
		if !agentReports(s) {
			return nil
		}
		return []mountPoint{{key: TimelineURL, path: SpoolDir, fixed: true}}
	},
	describe: func(pod *Input) []string {
		return []string{"STAGEHAND_TIMELINE_URL=" + envValueOf(pod, TimelineURLEnv)}
	},
})

// agentReports tells whether the agent runs in the target containers and
// reports to the Timeline Server; fetchReports whether the init container
// fetches and reports.
func agentReports(s *Spec) bool {
	return requestOf[TimelineSpec](s) != nil && requestOf[AgentSpec](s) != nil
}

func fetchReports(s *Spec) bool {
	return requestOf[TimelineSpec](s) != nil && requestOf[DepsSpec](s) != nil
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

// reporterEnv is what the init container needs to report the fetch to the
// Timeline Server, in the order it is listed. It derives its own name and
// the spool's directory (agentapi.InitContainer, agentapi.SpoolDir); its
// image is not reported.
func reporterEnv(s *Spec) []corev1.EnvVar {
	env := []corev1.EnvVar{{Name: TimelineURLEnv, Value: string(*requestOf[TimelineSpec](s))}}
	if src := requestOf[KeyRef](s).source(); src != nil {
		env = append(env, corev1.EnvVar{Name: ATSSecretKeyEnv, ValueFrom: src})
	}
	return append(env, podIdentityEnv()...)
}
