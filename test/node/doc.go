// Package node holds the end-to-end tests that run on the real local node
// (`make cluster-up`, docs/development.md): kubelet and containerd run the
// pods stagehand injects, and stagehand itself runs as an admin installs it,
// from manifests/self-signed as a two-replica Deployment of the image `make
// images` builds (package nodeenv installs it once, in TestMain).
//
// `make test` brings the cluster up, sets STAGEHAND_NODE_KUBECONFIG and
// takes the cluster down at the end (hack/test.sh). Without that variable,
// or with -short, every test skips. To run them by hand:
//
//	make build cluster-up
//	STAGEHAND_NODE_KUBECONFIG=/tmp/stagehand-cluster/kubeconfig go test -count=1 ./test/node
//
// The tests run one after the other: two of them stop or restart the
// webhook, and the node has two cores. Each creates its own namespace and
// bounds every wait; a failure shows the pod's status, the namespace's
// events and the containers' logs.
package node
