#!/usr/bin/env bash
# Runs a command with the local one-node cluster up (hack/cluster,
# docs/development.md), which it finds through STAGEHAND_NODE_KUBECONFIG, and
# takes the cluster down at the end on every path: success, failure, Ctrl-C
# or SIGTERM. `make test` and `make bench` run through it.
#
#   KEEP_CLUSTER=1   leaves the cluster up afterwards (to debug)
#   NODE_TESTS=0     no cluster: what needs the node skips, saying why
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=cluster/cluster.env
source hack/cluster/cluster.env

log() { printf '[with-node] %s\n' "$*" >&2; }

if [[ ${NODE_TESTS:-1} == 0 ]]; then
  log "NODE_TESTS=0: no cluster; what needs the node skips"
  unset STAGEHAND_NODE_KUBECONFIG
  exec "$@"
fi

begin=$SECONDS
down() {
  local code=$?
  if [[ ${KEEP_CLUSTER:-0} == 1 ]]; then
    log "KEEP_CLUSTER=1: the cluster stays up; make cluster-down removes it"
  else
    hack/cluster/down.sh || code=1
  fi
  log "$1 and the cluster took $((SECONDS - begin)) s"
  exit "$code"
}
trap "down '$1'" EXIT
trap 'exit 130' INT TERM

hack/cluster/up.sh >/dev/null
log "cluster up after $((SECONDS - begin)) s"
export STAGEHAND_NODE_KUBECONFIG=$CLUSTER_KUBECONFIG
"$@"
