#!/usr/bin/env bash
# Builds kube-apiserver and etcd for envtest from the Go module proxy.
#
# Neither binary can be downloaded prebuilt on our machines, but both build from
# source modules. Outputs go to $BIN (default bin/envtest) and are reused when
# they already report the pinned version.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=envtest-versions.env
source "$root/hack/envtest-versions.env"
# shellcheck source=kubernetes-module.sh
source "$root/hack/kubernetes-module.sh"
bin=${BIN:-$root/bin/envtest}
work=${WORK:-$root/bin/envtest-build}
mkdir -p "$bin" "$work"

log() { printf '[envtest-assets] %s\n' "$*" >&2; }

build_kube_apiserver() {
  local out=$bin/kube-apiserver
  if [[ -x $out ]] && "$out" --version 2>/dev/null | grep -q "${KUBERNETES_VERSION}"; then
    log "kube-apiserver ${KUBERNETES_VERSION} already built"
    return
  fi
  local dir=$work/kube-apiserver
  mkdir -p "$dir"
  log "fetching k8s.io/kubernetes ${KUBERNETES_VERSION} module graph"
  kubernetes_gomod stagehand.io/envtest/kube-apiserver >"$dir/go.mod"
  printf 'package tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n' >"$dir/tools.go"
  sed -i 's/^package tools/\/\/go:build tools\n\npackage tools/' "$dir/tools.go"
  log "building kube-apiserver ${KUBERNETES_VERSION} (about 5 minutes on 2 cores)"
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true)
  (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$out.tmp" \
    -ldflags "$(kubernetes_ldflags)" \
    k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$out.tmp" "$out"
  log "kube-apiserver ready: $out"
}

build_etcd() {
  local out=$bin/etcd
  if [[ -x $out ]] && "$out" --version 2>/dev/null | grep -q "${ETCD_VERSION#v}"; then
    log "etcd ${ETCD_VERSION} already built"
    return
  fi
  local dir=$work/etcd
  mkdir -p "$dir"
  cat >"$dir/go.mod" <<MOD
module stagehand.io/envtest/etcd

go 1.26

require (
	go.etcd.io/etcd/server/v3 ${ETCD_VERSION}
	go.etcd.io/etcd/api/v3 ${ETCD_VERSION}
	go.etcd.io/etcd/client/pkg/v3 ${ETCD_VERSION}
	go.etcd.io/etcd/client/v3 ${ETCD_VERSION}
	go.etcd.io/etcd/pkg/v3 ${ETCD_VERSION}
)
MOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$dir/tools.go"
  log "building etcd ${ETCD_VERSION}"
  (cd "$dir" && GOFLAGS=-mod=mod go mod tidy >/dev/null 2>&1 || true)
  (cd "$dir" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" go.etcd.io/etcd/server/v3)
  mv "$out.tmp" "$out"
  log "etcd ready: $out"
}

build_etcd
build_kube_apiserver
log "assets in $bin"
