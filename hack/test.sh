#!/usr/bin/env bash
# `make test` after its prerequisites (envtest-assets, node-assets, images):
# go vet, then every package's tests with the local one-node cluster up
# (hack/cluster, docs/development.md), which the end-to-end tests of
# test/node (and any other suite that needs the node) find through
# STAGEHAND_NODE_KUBECONFIG. One cluster for the whole run, taken down at the
# end on every path: success, failure, Ctrl-C or SIGTERM.
#
#   KEEP_CLUSTER=1 make test   leaves the cluster up afterwards (to debug)
#   NODE_TESTS=0 make test     no cluster: the node tests skip, saying why
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cluster/cluster.env
source hack/cluster/cluster.env
GO=${GO:-go}
read -r -a test_flags <<<"${TEST_FLAGS:--count=1 -timeout=20m}"

log() { printf '[test] %s\n' "$*" >&2; }

"$GO" vet ./...

if [[ ${NODE_TESTS:-1} == 0 ]]; then
  log "NODE_TESTS=0: no cluster; the node tests skip"
  unset STAGEHAND_NODE_KUBECONFIG
  exec "$GO" test "${test_flags[@]}" ./...
fi

begin=$SECONDS
down() {
  local code=$?
  if [[ ${KEEP_CLUSTER:-0} == 1 ]]; then
    log "KEEP_CLUSTER=1: the cluster stays up; make cluster-down removes it"
  else
    hack/cluster/down.sh || code=1
  fi
  log "tests and cluster took $((SECONDS - begin)) s"
  exit "$code"
}
trap down EXIT
trap 'exit 130' INT TERM

hack/cluster/up.sh >/dev/null
log "cluster up after $((SECONDS - begin)) s"
export STAGEHAND_NODE_KUBECONFIG=$CLUSTER_KUBECONFIG
"$GO" test "${test_flags[@]}" ./...
