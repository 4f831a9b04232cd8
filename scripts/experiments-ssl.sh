#!/usr/bin/env bash
# Issue 33's Experiment A, the DS3L paper's figure: seen-class test accuracy against the share of
# unlabelled images from unseen classes. Fashion-MNIST, classes 0-5 seen, LABELS labels (default
# 60), 20,000 unlabelled, 5,000 validation images; every METHOD (default "supervised pi
# pseudo-label ds3l") at every MISMATCH (default "0 0.25 0.5 0.75") and SEED (default "0 1 2"),
# EPOCHS epochs each (default 4, 1,600 steps of 50 labelled + 50 unlabelled images; the ramp
# rises over RAMP_STEPS, default 640, 40 % of them). JOBS runs at a time (default 2, one per
# core, one thread each). Resumable: a finished run is skipped, an interrupted one continues.
# Writes $OUT/table.md, $OUT/mismatch.png and $OUT/rows.json (default OUT=out/experiments-ssl/
# fashion-mnist-<labels>). A smoke run: `EPOCHS=1 SEEDS=0 MISMATCHES=0.5 scripts/experiments-ssl.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
LABELS=${LABELS:-60}
EPOCHS=${EPOCHS:-4}
RAMP_STEPS=${RAMP_STEPS:-640}
METHODS=${METHODS:-supervised pi pseudo-label ds3l}
MISMATCHES=${MISMATCHES:-0 0.25 0.5 0.75}
SEEDS=${SEEDS:-0 1 2}
JOBS=${JOBS:-2}
DATASET=${DATASET:-fashion-mnist}
EXTRA=${EXTRA:-}
OUT=${OUT:-out/experiments-ssl/$DATASET-$LABELS}
BIN=${BIN:-.build/release/penumbra}
export PENUMBRA_THREADS=1 PENUMBRA_BLAS_THREADS=1
mkdir -p "$OUT"
runs=()
jobs=()
for seed in $SEEDS; do
  for mismatch in $MISMATCHES; do
    for method in $METHODS; do
      dir="$OUT/$method-mismatch$mismatch-seed$seed"
      runs+=("$dir")
      if grep -qs "\"epochs\" : $EPOCHS," "$dir/metrics.json"; then continue; fi
      jobs+=("$BIN ssl train --method $method --dataset $DATASET --labels $LABELS --mismatch $mismatch --seed $seed --epochs $EPOCHS --ramp-steps $RAMP_STEPS $EXTRA --resume --out $dir > $dir.log 2>&1 && tail -n 3 $dir.log | head -n 1 || { echo failed: $dir; exit 1; }")
    done
  done
done
echo "${#runs[@]} runs, ${#jobs[@]} to train, $JOBS at a time"
if [ ${#jobs[@]} -gt 0 ]; then printf '%s\n' "${jobs[@]}" | xargs -P "$JOBS" -I{} bash -c {}; fi
"$BIN" ssl report "${runs[@]}" --figure "$OUT/mismatch.png" --json "$OUT/rows.json" | grep -v "^wrote " > "$OUT/table.md"
cat "$OUT/table.md"
