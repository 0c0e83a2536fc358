// Package initcontainer is the program of stagehand's one init container,
// `agent init`: with --install it copies the agent into the pod's
// emptyDir (package install), then, when it is given fetch flags, fetches
// the dependencies (package fetch) with what it derives itself (the
// directories under agentapi.Dir, the size limits, the CA bundle and bearer
// token files when they are mounted, the name it reports to the Timeline
// Server under) before the flags the webhook wrote, which override it.
//
// A pod asking for the agent, dependencies or both gets one init container
// however many of these steps it needs: each init container is one more
// container start and one more kubelet relist before the task starts.
package initcontainer
