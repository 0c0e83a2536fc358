// Package demo shows the whole platform working on one machine, for
// `make demo`: a local kube-apiserver and etcd with the InjectionProfile
// CRD, `webhook serve` with the demo's own certificates for 127.0.0.1
// (certs/demo, made by hack/certs apart from the cluster's material in
// certs/) watching InjectionProfiles as its ServiceAccount with the base's
// RBAC, the real webhook configurations and guards from manifests/ pointed
// at it, the examples' InjectionProfiles and then the example objects
// created in an opted-in namespace with a summary of what stagehand injected
// into each pod and why (an MR3 ContainerWorker that carries no stagehand
// annotation is injected because a profile selects it), and that injected
// worker pod run locally by the pod runner: its agent fetches the
// dependencies from a local artifact server and runs the task.
package demo
