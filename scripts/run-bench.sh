#!/usr/bin/env bash
# Runs every benchmark binary built under bench/ (Google Benchmark) in turn.
set -euo pipefail
build=${1:-build}
for b in "$build"/bench/*_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" --benchmark_counters_tabular=true
done
# The browser shell (docs/shell.md): boot, FPS and layout vs. 3d-force-graph.
if [ -f web/dist/index.html ] && command -v node >/dev/null; then
  echo "== shell (bench/web/run.mjs)"
  node bench/web/run.mjs "$build"
fi
