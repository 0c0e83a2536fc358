#!/usr/bin/env bash
# Builds the node binaries of the local cluster (kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy and kubectl) from the Go module proxy, next to the
# envtest binaries (bin/envtest holds kube-apiserver and etcd, built by
# hack/envtest-assets.sh at the same pinned version).
#
# None of them can be downloaded prebuilt here, but all build from the
# k8s.io/kubernetes module with the same throwaway go.mod technique
# hack/envtest-assets.sh uses: a module that requires k8s.io/kubernetes and pins
# every staging module it replaces locally to its tagged release. A binary is
# reused when it already reports the pinned version.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../envtest-versions.env
source "$root/hack/envtest-versions.env"
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
kmod=$(go mod download -json "k8s.io/kubernetes@${KUBERNETES_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
{
  echo "module stagehand.io/envtest/node"
  echo
  echo "go 1.26"
  echo
  echo "require k8s.io/kubernetes ${KUBERNETES_VERSION}"
  echo
  echo "replace ("
  # Every staging module kubernetes replaces locally is pinned to its tagged
  # release instead. sample-cli-plugin has no tag at this version.
  sed -n '/^replace (/,/^)/p' "$kmod" | awk '/=>/ {print $1}' | grep -v '^k8s.io/sample-cli-plugin$' |
    while read -r m; do echo "	$m => $m ${KUBERNETES_STAGING_VERSION}"; done
  echo ")"
} >"$work/go.mod"
{
  printf '//go:build tools\n\npackage tools\n\nimport (\n'
  for c in $NODE_COMPONENTS; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
  printf ')\n'
} >"$work/tools.go"
(cd "$work" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true)

# The version stamp is what `--version` reports and what the API server records
# as the node's kubelet version.
minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}"
for c in "${missing[@]}"; do
  log "building $c ${KUBERNETES_VERSION} (the first one takes longest: about 6 minutes on 2 cores with an empty build cache)"
  start=$SECONDS
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$bin/$c.tmp" -ldflags "$ldflags" "k8s.io/kubernetes/cmd/$c")
  mv "$bin/$c.tmp" "$bin/$c"
  log "$c ready in $((SECONDS - start)) s: $bin/$c"
done
