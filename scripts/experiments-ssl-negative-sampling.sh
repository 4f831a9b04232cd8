#!/usr/bin/env bash
# Issue 33's Experiment B, the NS3L paper's pairs: Fashion-MNIST, all 10 classes seen, LABELS
# labels (default 1,000), UNLABELLED unlabelled images (default 20,000), no class mismatch; each
# BASE method (default "supervised pseudo-label pi vat") without and with NS3L's negative
# sampling at T = 0.04 (the NS3L code's value for 10 classes), and a sweep of T over SWEEP
# (default "0.01 0.1"; empty: no sweep) on SWEEP_BASE (default pseudo-label); SEEDS (default "0 1 2"), EPOCHS
# epochs each (default 4, 1,600 steps; ramp over RAMP_STEPS, default 640), VAT with ε =
# VAT_EPSILON (default 2). JOBS at a time (default 2). Resumable like experiments-ssl.sh.
# Writes $OUT/table.md and $OUT/rows.json (default OUT=out/experiments-ssl/negative-sampling).
set -euo pipefail
cd "$(dirname "$0")/.."
LABELS=${LABELS:-1000}
UNLABELLED=${UNLABELLED:-20000}
EPOCHS=${EPOCHS:-4}
RAMP_STEPS=${RAMP_STEPS:-640}
BASES=${BASES:-supervised pseudo-label pi vat}
SWEEP=${SWEEP-0.01 0.1}
SWEEP_BASE=${SWEEP_BASE:-pseudo-label}
SEEDS=${SEEDS:-0 1 2}
VAT_EPSILON=${VAT_EPSILON:-2}
JOBS=${JOBS:-2}
OUT=${OUT:-out/experiments-ssl/negative-sampling}
BIN=${BIN:-.build/release/penumbra}
export PENUMBRA_THREADS=1 PENUMBRA_BLAS_THREADS=1
mkdir -p "$OUT"
runs=()
jobs=()
# Queues `method` with NS3L threshold $2 ("none": without) for every seed.
queue() {
  local method=$1 threshold=$2 ns=()
  if [ "$threshold" != none ]; then ns=(--negative-sampling "$threshold"); fi
  for seed in $SEEDS; do
    local dir="$OUT/$method-ns$threshold-seed$seed"
    runs+=("$dir")
    if grep -qs "\"epochs\" : $EPOCHS," "$dir/metrics.json"; then continue; fi
    jobs+=("$BIN ssl train --method $method ${ns[*]} --seen-classes 0-9 --labels $LABELS --unlabelled $UNLABELLED --seed $seed --epochs $EPOCHS --ramp-steps $RAMP_STEPS --vat-epsilon $VAT_EPSILON --resume --out $dir > $dir.log 2>&1 && tail -n 3 $dir.log | head -n 1 || { echo failed: $dir; exit 1; }")
  done
}
for method in $BASES; do queue "$method" none; queue "$method" 0.04; done
for threshold in $SWEEP; do queue "$SWEEP_BASE" "$threshold"; done
echo "${#runs[@]} runs, ${#jobs[@]} to train, $JOBS at a time"
if [ ${#jobs[@]} -gt 0 ]; then printf '%s\n' "${jobs[@]}" | xargs -P "$JOBS" -I{} bash -c {}; fi
"$BIN" ssl report "${runs[@]}" --json "$OUT/rows.json" | grep -v "^wrote " > "$OUT/table.md"
cat "$OUT/table.md"
