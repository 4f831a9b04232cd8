#!/usr/bin/env bash
# Issue 34, FlowGMM, sized for one core of this machine (one run at a time, one thread):
#
# A. Two moons (1,000 points, noise 0.05, 5 labels a class, the other 990 unlabelled; the official
#    notebook's flow and optimiser): FlowGMM against the same flow on the 10 labels only, an MLP on
#    the 10 labels and label spreading (`ssl baselines`, on the same points), for every SEED
#    (default "0 1 2 3 4"; SEEDS= skips two moons), MOONS_STEPS steps each (default 2,000).
# B. Images (IMAGE_DATASET, default mnist: the 5,000 digits, 4,000 for training, 1,000 for test):
#    IMAGE_LABELS labels (default 100), IMAGE_UNLABELLED unlabelled images (default 3,000), the
#    CPU-sized RealNVP; FlowGMM, FlowGMM-cons and the labels-only flow for IMAGE_STEPS steps each
#    (default 1,200: about 6, 9 and 3 minutes on one core), seed IMAGE_SEEDS (default 0; IMAGE_SEEDS= skips images).
#
# Resumable: a finished run is skipped, an interrupted one continues. Writes $OUT/table.md (default
# OUT=out/experiments-flowgmm), docs/results/flowgmm.json (RESULTS) and the figures in
# docs/figures (FIGURES): flowgmm-moons-seed<s>.png and flowgmm-moons-labels-only-seed<s>.png
# for each FIGURE_SEEDS (default "0 1": decision regions, latent space and samples) and
# flowgmm-samples-<dataset>.png (FlowGMM's class-conditional samples at TEMPERATURE, default 0.5). A smoke run:
# `MOONS_STEPS=50 IMAGE_STEPS=5 SEEDS=0 OUT=/tmp/f RESULTS=/tmp/f.json FIGURES=/tmp scripts/experiments-flowgmm.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS-0 1 2 3 4}
MOONS_STEPS=${MOONS_STEPS:-2000}
IMAGE_DATASET=${IMAGE_DATASET:-mnist}
IMAGE_LABELS=${IMAGE_LABELS:-100}
IMAGE_UNLABELLED=${IMAGE_UNLABELLED:-3000}
IMAGE_STEPS=${IMAGE_STEPS:-1200}
IMAGE_SEEDS=${IMAGE_SEEDS-0}
TEMPERATURE=${TEMPERATURE:-0.5}
FIGURE_SEEDS=${FIGURE_SEEDS-0 1}
OUT=${OUT:-out/experiments-flowgmm}
RESULTS=${RESULTS:-docs/results/flowgmm.json}
FIGURES=${FIGURES:-docs/figures}
BIN=${BIN:-.build/release/penumbra}
export PENUMBRA_THREADS=1 PENUMBRA_BLAS_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT" "$(dirname "$RESULTS")" "$FIGURES"
runs=()

# train DIR STEPS FLAGS...: trains (or continues) one run unless it already finished STEPS steps.
train() {
  local dir=$1 steps=$2
  shift 2
  runs+=("$dir")
  if grep -qs "\"steps\" : $steps," "$dir/metrics.json"; then return; fi
  mkdir -p "$(dirname "$dir")"
  "$BIN" ssl train "$@" --steps "$steps" --resume --out "$dir" > "$dir.log" 2>&1 || { tail -n 3 "$dir.log"; echo "failed: $dir"; exit 1; }
  tail -n 2 "$dir.log" | head -n 1
}

for seed in $SEEDS; do
  train "$OUT/moons/flowgmm-seed$seed" "$MOONS_STEPS" --method flowgmm --dataset two-moons --seed "$seed"
  train "$OUT/moons/labels-only-seed$seed" "$MOONS_STEPS" --method flowgmm --dataset two-moons --unlabelled 0 --seed "$seed"
  runs+=("$OUT/moons/baselines-seed$seed")
  if [ ! -f "$OUT/moons/baselines-seed$seed/metrics.json" ]; then
    "$BIN" ssl baselines --dataset two-moons --seed "$seed" --out "$OUT/moons/baselines-seed$seed" | head -n 1
  fi
done
for seed in $FIGURE_SEEDS; do
  "$BIN" ssl eval --checkpoint "$OUT/moons/flowgmm-seed$seed" --figure "$FIGURES/flowgmm-moons-seed$seed.png"
  "$BIN" ssl eval --checkpoint "$OUT/moons/labels-only-seed$seed" --figure "$FIGURES/flowgmm-moons-labels-only-seed$seed.png"
done

images="--dataset $IMAGE_DATASET --labels $IMAGE_LABELS"
for seed in $IMAGE_SEEDS; do
  base="$OUT/$IMAGE_DATASET-$IMAGE_LABELS"
  mkdir -p "$base"
  train "$base/flowgmm-seed$seed" "$IMAGE_STEPS" --method flowgmm $images --unlabelled "$IMAGE_UNLABELLED" --seed "$seed"
  train "$base/flowgmm-cons-seed$seed" "$IMAGE_STEPS" --method flowgmm-cons $images --unlabelled "$IMAGE_UNLABELLED" \
    --ramp-steps $((IMAGE_STEPS / 3)) --seed "$seed"
  train "$base/labels-only-seed$seed" "$IMAGE_STEPS" --method flowgmm $images --unlabelled 0 --seed "$seed"
done
if [ -n "$IMAGE_SEEDS" ]; then
  firstImage=${IMAGE_SEEDS%% *}
  "$BIN" ssl eval --checkpoint "$OUT/$IMAGE_DATASET-$IMAGE_LABELS/flowgmm-seed$firstImage" --temperature "$TEMPERATURE" \
    --figure "$FIGURES/flowgmm-samples-$IMAGE_DATASET.png"
fi

"$BIN" ssl report "${runs[@]}" --json "$RESULTS" | grep -v "^wrote " > "$OUT/table.md"
cat "$OUT/table.md"
echo "wrote $RESULTS, $OUT/table.md and the figures in $FIGURES"
