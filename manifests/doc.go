// Package manifests holds the kustomize tree of stagehand's installation,
// and, for `webhook inject`, what injection reads of it: the entrypoint map
// and the agent image that the base Deployment configures, so that offline
// injection gives what the cluster gives.
package manifests
