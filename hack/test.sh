#!/usr/bin/env bash
# `make test` after its prerequisites (envtest-assets, node-assets, images):
# go vet, then every package's tests with the local one-node cluster up
# (hack/with-node.sh), which the end-to-end tests of test/node (and any
# other suite that needs the node) find through STAGEHAND_NODE_KUBECONFIG.
# One cluster for the whole run, taken down at the end on every path.
#
#   KEEP_CLUSTER=1 make test   leaves the cluster up afterwards (to debug)
#   NODE_TESTS=0 make test     no cluster: the node tests skip, saying why
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
read -r -a test_flags <<<"${TEST_FLAGS:--count=1 -timeout=20m}"

"$GO" vet ./...

hack/with-node.sh "$GO" test "${test_flags[@]}" ./...
