package inject

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// TimelineURLEnv is the env var that carries the Timeline Server URL.
const TimelineURLEnv = "STAGEHAND_TIMELINE_URL"

// injectTimelineURL gives the target containers the Timeline Server URL.
func injectTimelineURL(e *editor) bool {
	if e.spec.TimelineURL == "" {
		return false
	}
	e.ensureEnv(corev1.EnvVar{Name: TimelineURLEnv, Value: e.spec.TimelineURL}, annotations.TimelineURL)
	return true
}
