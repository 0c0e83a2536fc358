// Package manifests tests the kustomize layout of manifests/ as a cluster
// admin installs it (`kubectl apply -k manifests/<overlay>`).
//
// Each overlay (base, cert-manager, self-signed, examples/profiles,
// examples) is built with the
// kustomize API; the self-signed overlay in a temporary copy of manifests/
// and of the component certs/kustomization.yaml, with certificates made
// there by package certs, so that no test depends on a developer's `make
// certs` or on committed keys. The built objects are checked for what
// operating the webhook needs: replicas, anti-affinity, disruption budget,
// rolling update, shutdown drain, probes, a restricted securityContext,
// every STAGEHAND_* setting, RBAC to list and watch InjectionProfiles and
// nothing else, both webhook configurations,
// cert-manager's objects, the self-signed Secret and caBundle. Git must
// track only the README and the kustomization of certs/.
//
// Then every object of every overlay is applied to a real kube-apiserver
// (controller-runtime's envtest, with cert-manager's CRDs from its Go
// module, and the InjectionProfile CRD), with the webhook configurations
// pointed at a local webhook server running stagehand's handler with a
// cache of InjectionProfiles, and its profile validator; no webhook
// configuration that names anything but 127.0.0.1 is ever applied. The
// examples' profiles are applied before the examples. The tests prove that
// the example pods are injected (the MR3 worker and the Spark executor
// because of profiles), and that the ValidatingAdmissionPolicy stagehand-guard, as
// shipped, rejects a pod from which a later mutating webhook removed or
// altered what stagehand injected, and admits every other pod.
//
// The API server tests need the binaries from `make envtest-assets` and
// KUBEBUILDER_ASSETS pointing at them; without it, or with -short, they
// skip. One API server serves the whole package, started in TestMain.
package manifests
