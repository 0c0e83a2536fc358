// Command demo is the program of `make demo`, which runs it through
// hack/with-node.sh: the local node is brought up before it and taken down
// after it. It runs package internal/demo on the cluster of --kubeconfig.
package main
