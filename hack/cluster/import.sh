#!/usr/bin/env bash
# Imports image tarballs (docker-archive or OCI, such as the ones `make images`
# writes to bin/images/) into the running cluster's containerd, where the
# kubelet finds them; pods must not need to pull them (imagePullPolicy
# IfNotPresent or Never, and a tag other than latest).
#
#   hack/cluster/import.sh bin/images/agent.tar bin/images/webhook.tar
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=images.sh
source "$root/hack/cluster/images.sh"

(($# > 0)) || die "usage: $0 IMAGE.tar..."
[[ -S $dir/containerd/containerd.sock ]] || die "no cluster is up (no $dir/containerd/containerd.sock): make cluster-up"
for t in "$@"; do
  ctr images import --snapshotter overlayfs "$t"
  log "imported $t"
done
