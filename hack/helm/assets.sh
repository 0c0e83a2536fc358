#!/usr/bin/env bash
# Builds the helm binary (Helm v4) from the Go module proxy into bin/helm, for
# the chart's tests (test/chart) and `make helm-assets`.
#
# Helm is built in a throwaway module under bin/helm-build, as
# hack/envtest-assets.sh builds kube-apiserver, so that this repository's
# go.mod never carries Helm's dependency graph. The versions are those of
# Helm's own go.mod (it has no replace directives), as in its release build.
# The binary is reused when it already reports the pinned version.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=versions.env
source "$root/hack/helm/versions.env"
# shellcheck source=../go-tool.sh
source "$root/hack/go-tool.sh"
out=${HELM:-$root/bin/helm}
work=${WORK:-$root/bin/helm-build}

log() { printf '[helm-assets] %s\n' "$*" >&2; }

if [[ -x $out ]] && [[ $("$out" version --template '{{.Version}}' 2>/dev/null) == "$HELM_VERSION" ]]; then
  log "helm ${HELM_VERSION} already built: $out"
  exit 0
fi

log "building helm ${HELM_VERSION} from the module proxy"
# The version variables are Helm's own (its Makefile sets the same ones).
go_tool_build "$work" helm.sh/helm/v4 "$HELM_VERSION" helm.sh/helm/v4/cmd/helm \
  "-s -w -X helm.sh/helm/v4/internal/version.version=${HELM_VERSION} -X helm.sh/helm/v4/internal/version.metadata= -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
  "$out"
log "helm ready: $out ($("$out" version --template '{{.Version}}'))"
