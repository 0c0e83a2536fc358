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
# shellcheck source=../go-tool.sh
source "$root/hack/go-tool.sh"
out=${PROMTOOL:-$root/bin/promtool}
work=${WORK:-$root/bin/promtool-build}

log() { printf '[promtool-assets] %s\n' "$*" >&2; }

# promtool --version prints "promtool, version <v> (branch: ..., revision: ...)";
# the build below stamps the module version into it.
if [[ -x $out ]] && "$out" --version 2>/dev/null | grep -qF "version ${PROMETHEUS_VERSION} "; then
  log "promtool ${PROMETHEUS_VERSION} already built: $out"
  exit 0
fi

log "building promtool ${PROMETHEUS_VERSION} from the module proxy"
# The version variables are those of github.com/prometheus/common/version,
# which Prometheus' release build sets.
go_tool_build "$work" github.com/prometheus/prometheus "$PROMETHEUS_VERSION" github.com/prometheus/prometheus/cmd/promtool \
  "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION} -X github.com/prometheus/common/version.Branch=module-proxy -X github.com/prometheus/common/version.Revision=${PROMETHEUS_VERSION}" \
  "$out"
log "promtool ready: $out ($("$out" --version | head -n1))"
