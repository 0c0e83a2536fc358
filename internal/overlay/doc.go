// Package overlay builds stagehand's kustomize overlays (manifests/) with the
// kustomize API, as `kubectl apply -k` would, and points the built webhook
// configuration at a webhook served outside the cluster, for the demo and
// the tests that install the real manifests on a local API server.
package overlay
