// Package offline injects Kubernetes manifests offline, as
// `istioctl kube-inject` does: it reads multi-document YAML, injects Pods and
// the pod templates of workload kinds with the same inject.Injector the
// admission webhook uses, and writes the documents back. Documents of other
// kinds, and documents that need no change, are written back exactly as they
// were read. Pods lists the pods and pod templates of a manifest without
// injecting them, for `kubectl stagehand explain -f`.
package offline
