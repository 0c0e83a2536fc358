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
// Two kustomizations make the installation with cert-manager:
// manifests/cert-manager, everything but the webhook configurations, and
// manifests/cert-manager/webhooks, those, which the policy
// stagehand-webhook-ca of the first refuses until cert-manager has issued
// the serving certificate. TestCertManagerInstall runs the documented
// command with the real kubectl (KUBECTL, else the one of `make
// node-assets` next to envtest's binaries) against an API server of its
// own, without cert-manager's CRDs and then with them, and proves that no
// webhook configuration is ever left failing closed without a caBundle.
// TestImagesMoveAgentImage builds overlays of manifests/base and
// manifests/cert-manager with `images:` entries, with the kustomize API and
// with `kubectl kustomize`, and proves that the agent's entry moves
// STAGEHAND_AGENT_IMAGE.
//
// The API server tests need the binaries from `make envtest-assets` and
// KUBEBUILDER_ASSETS pointing at them; without it, or with -short, they
// skip. One API server serves the package, started in TestMain;
// TestCertManagerInstall starts its own.
package manifests
