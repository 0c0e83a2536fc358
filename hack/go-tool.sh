# Sourced by hack/helm/assets.sh and hack/promtool/assets.sh: how a tool is
# built from the Go module proxy without this repository's go.mod carrying
# its dependency graph.

# go_tool_build WORK MODULE VERSION PACKAGE LDFLAGS OUT builds PACKAGE of
# MODULE@VERSION in a throwaway module in WORK into OUT. -mod=mod records in
# go.sum only what the build needs: no tidy, so the tool's test-only modules
# are never downloaded. The versions are those of the tool's own go.mod.
go_tool_build() {
  local work=$1 module=$2 version=$3 pkg=$4 ldflags=$5 out=$6
  mkdir -p "$work" "$(dirname "$out")"
  printf 'module stagehand.io/tools/%s\n\ngo 1.26\n\nrequire %s %s\n' "$(basename "$pkg")" "$module" "$version" >"$work/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$work/tools.go"
  (cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
}
