#!/usr/bin/env bash
# Regenerates the shipped emotion model:
#   1. scripts/emotion-dataset.py writes the appraisal dataset
#      (models/emotion-appraisal.csv; rules in docs/emotion.md),
#   2. `genesis emotion train` fits the 5-16-3 network to it and writes
#      models/emotion.bin (604 bytes; format in docs/emotion.md).
# Both steps are deterministic: re-running reproduces the committed files.
# Usage: scripts/train-emotion.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
genesis=${GENESIS:-$build/apps/genesis/genesis}
if [[ ! -x "$genesis" ]]; then
  cmake --build "$build" --target genesis
fi
python3 scripts/emotion-dataset.py models/emotion-appraisal.csv
"$genesis" emotion train models/emotion-appraisal.csv -o models/emotion.bin \
  --hidden 16 --epochs 4000 --batch 32 --lr 0.01 --seed 1
"$genesis" emotion check models/emotion.bin
