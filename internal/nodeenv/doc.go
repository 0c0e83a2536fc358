// Package nodeenv installs stagehand on a running cluster the way a cluster
// admin does, for the end-to-end tests on the local node (test/node) and
// anything else that runs on it: the images are built from the binaries of
// `make build` under the references the manifests name and imported into the
// node's containerd (hack/cluster/import.sh); the self-signed overlay is
// built with the kustomize API in a temporary copy of manifests/ with fresh
// TLS material (package certs) and every object is applied server-side; then
// it waits, with bounds, until the webhook Deployment's replicas are Ready
// and the API server really calls the webhook. A wait that runs out names
// what did not come up, with the namespace's last events and the webhook
// pods' logs.
//
// The cluster is the one `make cluster-up` starts (hack/cluster,
// docs/development.md): its kubeconfig is in [KubeconfigEnv] when `make
// test` runs the tests.
package nodeenv
