#!/usr/bin/env bash
# `make cluster-down`: stops the local cluster and removes everything it left
# on the machine: its processes (components, containerd's shims, the pods),
# mounts, network namespaces (the node's and the pods'), cgroups, the host
# paths it created and the kernel settings the kubelet changed, and $dir.
# Safe to run at any time: with no cluster, after a failed start, twice.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=host.sh
source "$root/hack/cluster/host.sh"

((EUID == 0)) || die "cluster-down needs root, as cluster-up did"
lock

# stop NAME sends SIGTERM to the process started as NAME and waits up to 10 s.
stop() {
  local pid
  pid=$(cat "$dir/$1/pid" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "$1 (pid $pid) did not stop on SIGTERM within 10 s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

# kill_cgroup kills every process left in the cluster's cgroup: the pods'
# containers, containerd's shims, anything a component forked. Bounded: a
# process that survives 50 rounds of SIGKILL (stuck in the kernel) is named.
kill_cgroup() {
  local pids
  for _ in $(seq 50); do
    pids=$(cgroup_pids)
    [[ -z $pids ]] && return 0
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
  log "processes still in the cluster's cgroup: $(cgroup_pids | tr '\n' ' ')"
}

found=false
if [[ -d $dir || -e $netns ]]; then found=true; fi

for c in $components; do
  # Pods go before containerd, so that the kubelet's and containerd's
  # bookkeeping is not what decides whether a container is still running.
  if [[ $c == containerd ]]; then
    pids=$(cgroup_pids kubepods)
    # shellcheck disable=SC2086
    if [[ -n $pids ]]; then kill -KILL $pids 2>/dev/null || true; fi
  fi
  stop "$c"
done
kill_cgroup

# Mounts: the pods' volumes and root filesystems under $dir, containerd's
# under /run/containerd, the pods' network namespaces under /run/netns.
for m in $(mounts_under "$dir" /run/containerd /var/lib/kubelet /run/netns/cni-*); do
  umount "$m" 2>/dev/null || umount -l "$m" || log "could not unmount $m"
done
for f in /run/netns/cni-*; do
  if [[ -e $f ]]; then rm -f "$f"; fi
done
if [[ -e $netns ]]; then ip netns delete "$CLUSTER_NETNS"; fi

remove_cgroup
restore_host_state
if [[ -d $dir ]]; then
  if [[ -n $(mounts_under "$dir") ]]; then
    die "mounts remain under $dir; not removing it: $(mounts_under "$dir" | tr '\n' ' ')"
  fi
  rm -rf --one-file-system "$dir"
fi

# What must be gone now, checked rather than assumed.
left=()
for h in $(cgroup_hierarchies); do
  if [[ -d $h/$cgroup_name ]]; then left+=("cgroup $h/$cgroup_name"); fi
done
for m in $(mounts_under "$dir" /run/containerd /var/lib/kubelet "$netns" /run/netns/cni-*); do left+=("mount $m"); done
for f in "$netns" /run/netns/cni-* "$dir"; do
  if [[ -e $f ]]; then left+=("$f"); fi
done
if [[ -f $dir/host-paths ]]; then
  while read -r p; do if [[ -e $p ]]; then left+=("$p"); fi; done <"$dir/host-paths"
fi
if ((${#left[@]} > 0)); then
  die "left behind: ${left[*]}"
fi
if $found; then log "cluster down; nothing of it is left"; fi
