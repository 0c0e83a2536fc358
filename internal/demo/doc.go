// Package demo shows the whole platform working on one machine, for
// `make demo`: a local kube-apiserver and etcd, `webhook serve` with the
// demo's own certificates for 127.0.0.1 (certs/demo, made by hack/certs
// apart from the cluster's material in certs/), the real webhook
// configuration and guard from manifests/ pointed at it, the example
// objects created in an opted-in namespace with a summary of what stagehand
// injected into each pod, and the injected MR3 worker pod run locally by the
// pod runner: its agent fetches the dependencies from a local artifact
// server and runs the task.
package demo
