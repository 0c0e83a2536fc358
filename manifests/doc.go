// Package manifests holds the kustomize tree of stagehand's installation,
// and, for `webhook inject` and `kubectl stagehand`, what they read of it:
// the entrypoint map and the agent image that the base Deployment
// configures, so that offline injection gives what the cluster gives, and
// the MutatingWebhookConfiguration, whose match conditions `kubectl
// stagehand explain` evaluates when a cluster's are the shipped ones; and
// the base's objects (Base), whose names `kubectl stagehand check` looks for.
package manifests
