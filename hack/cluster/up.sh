#!/usr/bin/env bash
# `make cluster-up`: a real one-node Kubernetes cluster on this machine.
#
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, containerd,
# the kubelet and kube-proxy run as processes inside a network namespace of
# their own (see docs/development.md). The API server is published on the
# machine's loopback only, at 127.0.0.1:$CLUSTER_API_PORT. Running it again
# while the cluster is healthy changes nothing; a cluster found half up is
# taken down and started afresh. A failed start or Ctrl-C takes down whatever
# it had started.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=host.sh
source "$root/hack/cluster/host.sh"
# shellcheck source=pki.sh
source "$root/hack/cluster/pki.sh"
# shellcheck source=config.sh
source "$root/hack/cluster/config.sh"
# shellcheck source=images.sh
source "$root/hack/cluster/images.sh"
# shellcheck source=components.sh
source "$root/hack/cluster/components.sh"

((EUID == 0)) || die "the node needs root (network namespaces, mounts, cgroups)"
lock

if healthy; then
  log "already up: API server https://127.0.0.1:$CLUSTER_API_PORT; logs and state in $dir"
  log "kubeconfig: $CLUSTER_KUBECONFIG"
  echo "$CLUSTER_KUBECONFIG"
  exit 0
fi
if [[ -e $dir || -e $netns ]]; then
  log "found a cluster that is not healthy; taking it down first"
  "$root/hack/cluster/down.sh"
fi

# Anything that stops this script before the end takes the cluster down again.
done_ok=false
on_exit() {
  if ! $done_ok; then
    log "start failed or interrupted; taking down what was started"
    "$root/hack/cluster/down.sh" || true
  fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

"$root/hack/cluster/packages.sh"
"$root/hack/envtest-assets.sh"
"$root/hack/cluster/node-assets.sh"

start_time=$SECONDS
mkdir -p "$dir"
record_host_state
make_cgroup
make_netns
write_pki
write_containerd_config
write_cni_config
write_kubelet_config
write_kube_proxy_config
build_tools
log "prepared in $((SECONDS - start_time)) s; starting the components"

start_control_plane
start_node
wait_node_ready

done_ok=true
log "cluster up in $((SECONDS - start_time)) s (from an empty state, binaries built); memory: $(cluster_memory)"
log "API server https://127.0.0.1:$CLUSTER_API_PORT; logs and state in $dir"
log "kubeconfig: $CLUSTER_KUBECONFIG"
echo "$CLUSTER_KUBECONFIG"
