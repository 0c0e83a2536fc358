// Package chart tests the Helm chart charts/stagehand with the helm binary
// of `make helm-assets` (Helm v4, pinned in hack/helm/versions.env): helm
// lint and helm template with several value sets, values the schema must
// refuse, the same objects as the kustomize overlays build, the TLS material
// it generates, and, against envtest's API server, helm install and helm
// uninstall.
package chart
