#!/usr/bin/env bash
# The ANP paper's Figure 3 setting: NP and ANP with Laplace, dot-product and multihead
# cross-attention on fixed-hyperparameter EQ curves (protocol `deepmind`), one run after the
# other; each writes out/figures-np/<model>/predictions.png and metrics.json, then a table.
# STEPS is overridable: `make figures-np STEPS=50000`.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-6000}
OUT=out/figures-np
BIN=.build/release/penumbra
mkdir -p "$OUT"
runs=("np uniform" "anp laplace" "anp dot" "anp multihead")
for run in "${runs[@]}"; do
  set -- $run
  dir="$OUT/$1-$2"
  $BIN np train --model "$1" --attention "$2" --protocol deepmind --kernel eq --steps "$STEPS" \
    --learning-rate 5e-4 --evaluation-tasks 500 --resume --out "$dir" 2> "$dir.log" | head -n 1
done
$BIN np report "$OUT"/np-uniform "$OUT"/anp-laplace "$OUT"/anp-dot "$OUT"/anp-multihead | tee "$OUT/table.md"
