#!/usr/bin/env bash
# Builds the node binaries of the local cluster (kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy and kubectl) from the Go module proxy, next to the
# envtest binaries (bin/envtest holds kube-apiserver and etcd, built by
# hack/envtest-assets.sh at the same pinned version).
#
# None of them can be downloaded prebuilt here, but all build from the
# k8s.io/kubernetes module with the throwaway go.mod of hack/kubernetes-module.sh,
# as kube-apiserver does. A binary is reused when it already reports the pinned
# version.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../envtest-versions.env
source "$root/hack/envtest-versions.env"
# shellcheck source=../kubernetes-module.sh
source "$root/hack/kubernetes-module.sh"
bin=${BIN:-$root/bin/envtest}
work=${WORK:-$root/bin/envtest-build}/node
mkdir -p "$bin" "$work"

log() { printf '[node-assets] %s\n' "$*" >&2; }

# version BINARY prints what a built binary says its version is (kubectl has
# no --version flag).
version() {
  case $1 in
  */kubectl) "$1" version --client 2>/dev/null | sed -n 's/^Client Version: //p' ;;
  *) "$1" --version 2>/dev/null | awk '{print $NF}' ;;
  esac
}

missing=()
for c in $NODE_COMPONENTS; do
  if [[ -x $bin/$c && $(version "$bin/$c") == "$KUBERNETES_VERSION" ]]; then
    log "$c ${KUBERNETES_VERSION} already built"
  else
    missing+=("$c")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

log "fetching k8s.io/kubernetes ${KUBERNETES_VERSION} module graph"
kubernetes_gomod stagehand.io/envtest/node >"$work/go.mod"
{
  printf '//go:build tools\n\npackage tools\n\nimport (\n'
  for c in $NODE_COMPONENTS; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
  printf ')\n'
} >"$work/tools.go"
(cd "$work" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true)

ldflags=$(kubernetes_ldflags)
for c in "${missing[@]}"; do
  log "building $c ${KUBERNETES_VERSION} (the first one takes longest: about 6 minutes on 2 cores with an empty build cache)"
  start=$SECONDS
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$bin/$c.tmp" -ldflags "$ldflags" "k8s.io/kubernetes/cmd/$c")
  mv "$bin/$c.tmp" "$bin/$c"
  log "$c ready in $((SECONDS - start)) s: $bin/$c"
done
