// Package e2e runs injected pods end to end with no cluster: the offline
// injector (the same code as `webhook inject` and the admission server)
// rewrites a pod, and the local pod runner runs it as the kubelet would,
// with the real agent binary in the agent image, dependencies served by a
// local HTTP server, and the task's exit code surfacing through the agent.
package e2e
