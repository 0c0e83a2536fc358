#!/usr/bin/env bash
# Installs the Debian packages the node needs when any is missing: containerd
# (with ctr), runc (crun fails on this kind of machine's hybrid cgroups),
# containernetworking-plugins (bridge, host-local, loopback in /usr/lib/cni),
# iptables (kube-proxy's rules), busybox-static (the busybox test image),
# conntrack (kube-proxy clears stale UDP entries with it) and curl (the scripts
# probe the components' health endpoints with it).
set -euo pipefail

packages=(containerd runc containernetworking-plugins iptables busybox-static conntrack curl)

log() { printf '[cluster] %s\n' "$*" >&2; }

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if ((EUID != 0)); then
  log "the node needs root (namespaces, mounts, cgroups); missing packages: ${missing[*]}"
  exit 1
fi
log "installing ${missing[*]}"
# A package's maintainer script must not start its own containerd on the
# machine's network and default socket: the scripts start containerd
# themselves, inside the node's network namespace. policy-rc.d is the Debian
# way to say so; it is removed again whatever happens.
policy=/usr/sbin/policy-rc.d
own_policy=false
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  own_policy=true
fi
cleanup() { if $own_policy; then rm -f "$policy"; fi; }
trap cleanup EXIT
# apt-cache and apt-get see no package before the lists are fetched once.
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed ${missing[*]}"
