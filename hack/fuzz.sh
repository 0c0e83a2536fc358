#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME each (default 30s),
# minimizing each new interesting input for at most 5 s (the default 60 s
# would spend most of a short run minimizing).
# With SAVE_CORPUS=1 the inputs the fuzzer found interesting are copied
# into the package's testdata/fuzz/<target>, the seed corpus that every
# `go test` replays. A crash fails the run; its input is already written to
# testdata/fuzz by the fuzzer, ready to become a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
cache=$(go env GOCACHE)/fuzz/github.com/stagehand-k8s/stagehand
status=0
while IFS=: read -r file target; do
  pkg=./$(dirname "$file")
  echo "== $pkg $target ($fuzztime)"
  if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 5s; then
    status=1
  fi
  if [[ ${SAVE_CORPUS:-0} == 1 && -d $cache/${pkg#./}/$target ]]; then
    mkdir -p "$pkg/testdata/fuzz/$target"
    cp -n "$cache/${pkg#./}/$target"/* "$pkg/testdata/fuzz/$target/" 2>/dev/null || true
  fi
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' pkg internal cmd | sed 's/func //' | sort -u)
exit $status
