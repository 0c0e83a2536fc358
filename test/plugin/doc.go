// Package plugin tests `kubectl stagehand explain` and `kubectl stagehand
// inject`, built as the binary kubectl runs, against a real kube-apiserver
// (controller-runtime's envtest) where manifests/base is installed: its
// namespace, its webhook Deployment and entrypoint ConfigMap (which no
// controller runs: the plugin only reads them), its webhook configurations
// pointed at a local webhook server, and the InjectionProfile CRD. The local
// server runs stagehand's handler with the settings the plugin reads from
// that Deployment (package installation), a cache of InjectionProfiles and
// Events, as `webhook serve` in the cluster would.
//
// The tests create pods through the webhook, then explain them; change the
// Deployment's agent image, the entrypoint ConfigMap and a profile, and see
// explain and inject follow. They need the binaries from `make
// envtest-assets` and KUBEBUILDER_ASSETS pointing at them; without it, or
// with -short, they skip. One API server serves the whole package, started
// in TestMain; the tests that change the installation restore it.
package plugin
