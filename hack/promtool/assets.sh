#!/usr/bin/env bash
# Builds promtool from the Go module proxy into bin/promtool, for the tests of
# manifests/monitoring (test/monitoring) and `make promtool-assets`.
#
# promtool is built in a throwaway module under bin/promtool-build, as
# hack/helm/assets.sh builds helm, so that this repository's go.mod never
# carries Prometheus' dependency graph. The versions are those of Prometheus'
# own go.mod. The binary is reused when it already reports the pinned version.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=versions.env
source "$root/hack/promtool/versions.env"
out=${PROMTOOL:-$root/bin/promtool}
work=${WORK:-$root/bin/promtool-build}

log() { printf '[promtool-assets] %s\n' "$*" >&2; }

# promtool --version prints "promtool, version <v> (branch: ..., revision: ...)";
# the build below stamps the module version into it.
if [[ -x $out ]] && "$out" --version 2>/dev/null | grep -qF "version ${PROMETHEUS_VERSION} "; then
  log "promtool ${PROMETHEUS_VERSION} already built: $out"
  exit 0
fi

mkdir -p "$work" "$(dirname "$out")"
cat >"$work/go.mod" <<MOD
module stagehand.io/tools/promtool

go 1.26

require github.com/prometheus/prometheus ${PROMETHEUS_VERSION}
MOD
printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/prometheus/prometheus/cmd/promtool"\n' >"$work/tools.go"
log "building promtool ${PROMETHEUS_VERSION} from the module proxy"
# -mod=mod records in go.sum only what the build needs (no tidy: Prometheus'
# test-only modules are never downloaded). The version variables are those of
# github.com/prometheus/common/version, which Prometheus' release build sets.
(cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION} -X github.com/prometheus/common/version.Branch=module-proxy -X github.com/prometheus/common/version.Revision=${PROMETHEUS_VERSION}" \
  -o "$out.tmp" github.com/prometheus/prometheus/cmd/promtool)
mv "$out.tmp" "$out"
log "promtool ready: $out ($("$out" --version | head -n1))"
