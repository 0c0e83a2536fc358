# What the cluster changes on the machine itself, and how it is undone: the
# node's network namespace, the cluster's cgroup, the kernel settings the
# kubelet changes, and the fixed host paths containerd, CNI and the kubelet
# write to. Sourced by up.sh and down.sh after lib.sh.
# shellcheck shell=bash

# Paths outside $dir that the node's programs write to whatever they are told.
# /run/netns is where ip netns and containerd pin network namespaces; ip netns
# makes it a mount of its own the first time.
host_paths=(/run/containerd /var/lib/cni /var/log/containers /var/log/pods /var/lib/kubelet /run/netns)
# Machine-wide kernel settings the kubelet sets at start (setupKernelTunables;
# protectKernelDefaults would only make it refuse to start instead).
kubelet_sysctls=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops kernel/keys/root_maxkeys kernel/keys/root_maxbytes)

# record_host_state remembers which host paths existed and the kernel settings
# before the cluster, so that cluster-down removes and restores only its own.
record_host_state() {
  : >"$dir/host-paths"
  for p in "${host_paths[@]}"; do
    if [[ ! -e $p ]]; then echo "$p" >>"$dir/host-paths"; fi
  done
  : >"$dir/sysctls"
  for s in "${kubelet_sysctls[@]}"; do
    echo "$s $(cat "/proc/sys/$s")" >>"$dir/sysctls"
  done
}

restore_host_state() {
  if [[ -f $dir/sysctls ]]; then
    local s v
    while read -r s v; do
      echo "$v" >"/proc/sys/$s" || log "could not restore $s to $v"
    done <"$dir/sysctls"
  fi
  if [[ -f $dir/host-paths ]]; then
    local p
    while read -r p; do
      if [[ $p == /run/netns ]]; then
        # Only when no other namespace is pinned there meanwhile.
        if [[ -d $p && -z $(ls -A "$p") ]]; then
          if mountpoint -q "$p"; then umount "$p"; fi
          rmdir "$p"
        fi
        continue
      fi
      rm -rf --one-file-system "$p"
    done <"$dir/host-paths"
  fi
}

# make_cgroup creates the cluster's cgroup, and its "system" child for the
# components, in every hierarchy. A v1 cpuset starts with no CPUs or memory
# nodes, so both are copied from the parent.
make_cgroup() {
  local h c
  for h in $(cgroup_hierarchies); do
    for c in "$h/$cgroup_name" "$h/$cgroup_name/system"; do
      mkdir -p "$c"
      if [[ -f $c/cpuset.cpus ]]; then
        cat "$(dirname "$c")/cpuset.cpus" >"$c/cpuset.cpus"
        cat "$(dirname "$c")/cpuset.mems" >"$c/cpuset.mems"
      fi
    done
  done
}

# cgroup_pids [SUB] lists every process left in the cluster's cgroup (or in
# its SUB cgroup, such as kubepods), pods included.
cgroup_pids() {
  local h d
  for h in $(cgroup_hierarchies); do
    d=$h/$cgroup_name${1:+/$1}
    if [[ -d $d ]]; then find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null || true; fi
  done | sort -un
}

# remove_cgroup removes the cluster's cgroup tree, innermost first.
remove_cgroup() {
  local h
  for h in $(cgroup_hierarchies); do
    if [[ -d $h/$cgroup_name ]]; then find "$h/$cgroup_name" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done
}

# make_netns creates the node's network namespace: loopback, an interface
# holding the node's address, and a route for the service range (which only
# kube-proxy's rules resolve). There is no default route and no link to the
# machine's namespace: nothing in it can reach any other address. The
# interface is a bridge without ports, since this kernel has no dummy
# interfaces: it only holds the address, and what is routed to it goes nowhere.
make_netns() {
  ip netns add "$CLUSTER_NETNS"
  ns ip link set lo up
  ns ip link add node0 type bridge
  ns ip addr add "$NODE_IP/${NODE_CIDR#*/}" dev node0
  ns ip link set node0 up
  ns ip route add "$SERVICE_CIDR" dev node0
  # Per-namespace settings: the pods' traffic is routed through the node's
  # namespace, and kube-proxy's rules must see bridged packets.
  ns sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
}

# mounts_under PREFIX... lists the mount points below the prefixes, deepest
# first (mountinfo escapes spaces as \040; none of ours has one).
mounts_under() {
  local p
  awk '{print $5}' /proc/self/mountinfo | while read -r m; do
    for p in "$@"; do
      if [[ $m == "$p" || $m == "$p"/* ]]; then
        echo "$m"
        break
      fi
    done
  done | awk '{print length($0) " " $0}' | sort -rn | cut -d' ' -f2-
}

# cluster_memory: the resident memory of every process in the cluster's
# cgroup (components, shims, pods), and the anonymous part of it. The memory
# cgroup's own count is lower: it does not charge the binaries' pages that
# other processes (envtest's API servers) brought into the page cache first.
cluster_memory() {
  local pid rss=0 anon=0 r a
  for pid in $(cgroup_pids); do
    r=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    a=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
    rss=$((rss + ${r:-0}))
    anon=$((anon + ${a:-0}))
  done
  echo "$((rss >> 10)) MiB resident in $(cgroup_pids | wc -l) processes ($((anon >> 10)) MiB anonymous)"
}
