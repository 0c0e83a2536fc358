// Package integration runs the stagehand admission webhook behind a real
// kube-apiserver and etcd (controller-runtime's envtest), installed from
// manifests/base exactly as shipped.
//
// The tests prove what unit tests cannot: that the API server selects the
// right namespaces and pods (namespaceSelector and the CEL matchConditions),
// applies our JSON patch to a defaulted Pod, reports our denials verbatim,
// honours dry-run, lets an injected pod through PodSecurity "restricted", and
// re-invokes the webhook after a later webhook with an empty second patch.
//
// They need the binaries from `make envtest-assets` and KUBEBUILDER_ASSETS
// pointing at them; without it, or with -short, they skip. One API server
// serves the whole package, started in TestMain; every test works in its
// own namespaces.
package integration
