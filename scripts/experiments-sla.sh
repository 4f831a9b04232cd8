#!/usr/bin/env bash
# Issue 35's Experiment A (the SLA paper's Table 1 on Fashion-MNIST): baseline, DA, MT, SLA (SI
# and AG inference) and SLA+SD, each on 50 and 500 training images a class and the full set,
# SEEDS (default "0 1 2"); about STEPS (default 600) steps of 64 images in four rotations each,
# so the few-data runs take many epochs (7 and 78 batches an epoch) and the full one 1 (937 steps). Budget
# on one core, measured: a run of the four-copy methods 2 to 7 minutes (the longer beside other
# jobs), the baseline under a minute; one seed of one setting 10 to 20 minutes. JOBS
# at a time (default 2, one thread each). Resumable: a finished run is skipped, an interrupted
# one continues. Writes $OUT/table.md, $OUT/rows.json and $OUT/accuracy.png (default
# OUT=out/experiments-sla).
# A smoke run: `STEPS=20 SEEDS=0 SETTINGS=50 scripts/experiments-sla.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-600}
METHODS=${METHODS:-baseline da mt sla sla-sd}
SETTINGS=${SETTINGS:-50 500 full}
SEEDS=${SEEDS:-0 1 2}
JOBS=${JOBS:-2}
OUT=${OUT:-out/experiments-sla}
BIN=${BIN:-.build/release/penumbra}
export PENUMBRA_THREADS=1 PENUMBRA_BLAS_THREADS=1
mkdir -p "$OUT"
runs=()
jobs=()
for seed in $SEEDS; do
  for setting in $SETTINGS; do
    if [ "$setting" = full ]; then images=60000; data=(); else images=$((setting * 10)); data=(--per-class "$setting"); fi
    batches=$((images / 64))
    epochs=$(((STEPS + batches - 1) / batches))
    every=$(((epochs + 9) / 10))
    for method in $METHODS; do
      dir="$OUT/$setting-$method-seed$seed"
      runs+=("$dir")
      if grep -qs "\"epochs\" : $epochs," "$dir/metrics.json"; then continue; fi
      jobs+=("$BIN selfsup train --method $method ${data[*]} --seed $seed --epochs $epochs --checkpoint-every $every --resume --out $dir > $dir.log 2>&1 && tail -n 2 $dir.log | head -n 1 || { echo failed: $dir; exit 1; }")
    done
  done
done
echo "${#runs[@]} runs, ${#jobs[@]} to train, $JOBS at a time"
if [ ${#jobs[@]} -gt 0 ]; then printf '%s\n' "${jobs[@]}" | xargs -P "$JOBS" -I{} bash -c {}; fi
"$BIN" selfsup report "${runs[@]}" --json "$OUT/rows.json" --figure "$OUT/accuracy.png" | grep -v "^wrote " > "$OUT/table.md"
cat "$OUT/table.md"
