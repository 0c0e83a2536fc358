package agentapi

// Environment variables the webhook sets for the agent and the fetcher to
// report to the Timeline Server when a pod has stagehand.io/timeline-url.
// The agent reads them (package timeline); its tuning variables, which the
// webhook does not set, are defined there.
const (
	// EnvTimelineURL is the Timeline Server URL; reporting is off without it.
	EnvTimelineURL = "STAGEHAND_TIMELINE_URL"
	// EnvATSSecretKey holds the Timeline Server secret key, set from a
	// Secret or ConfigMap reference, never inline. MR3 reads it too.
	EnvATSSecretKey = "ATS_SECRET_KEY"
	// EnvSpoolDir is the spool directory, SpoolDir.
	EnvSpoolDir = "STAGEHAND_SPOOL_DIR"
	// EnvPodName, EnvPodNamespace and EnvNodeName are the pod's identity,
	// from the downward API.
	EnvPodName      = "STAGEHAND_POD_NAME"
	EnvPodNamespace = "STAGEHAND_POD_NAMESPACE"
	EnvNodeName     = "STAGEHAND_NODE_NAME"
	// EnvContainerName and EnvContainerImage are the container's name and
	// image, spelled out since the downward API does not give them.
	EnvContainerName  = "STAGEHAND_CONTAINER_NAME"
	EnvContainerImage = "STAGEHAND_CONTAINER_IMAGE"
)
