#!/usr/bin/env bash
# Runs every test through ctest and ends with the "N passed, N failed" line.
set -uo pipefail
build=${1:-build}
log=$(mktemp)
ctest --test-dir "$build" --output-on-failure -j "${GENESIS_TEST_JOBS:-2}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
total=${total:-0}; failed=${failed:-0}
rm -f "$log"
echo "$((total - failed)) passed, ${failed} failed"
exit "$rc"
