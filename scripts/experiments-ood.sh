#!/usr/bin/env bash
# The DUQ paper's Fashion-MNIST → MNIST benchmark: softmax, a deep ensemble of 5, MC dropout
# and DUQ, trained one after another (each resumable: rerun to continue), each scored against
# MNIST, uniform noise and upside-down Fashion-MNIST; the table goes to $OUT/table.md.
# Overridable: METHODS (default "softmax duq mcdropout ensemble"), EPOCHS (default 30, train_duq_fm.py's), MILESTONES (epochs after which the learning
# rate drops; default 10,20), TRAIN_SUBSET and TEST_SUBSET (default:
# all images), SEED, OUT. A smoke run: `make experiments-ood EPOCHS=1 TRAIN_SUBSET=2000`.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-30}
MILESTONES=${MILESTONES:-10,20}
TRAIN_SUBSET=${TRAIN_SUBSET:-}
TEST_SUBSET=${TEST_SUBSET:-}
SEED=${SEED:-0}
OUT=${OUT:-out/experiments-ood}
BIN=${BIN:-.build/release/penumbra}
mkdir -p "$OUT"
train_args=(--epochs "$EPOCHS" --milestones "$MILESTONES" --seed "$SEED" --resume)
eval_args=(--json)
suffix=""
# A subset run is another configuration, so it gets its own folder (resuming checks the config).
if [ -n "$TRAIN_SUBSET" ]; then train_args+=(--train-subset "$TRAIN_SUBSET"); suffix="-subset$TRAIN_SUBSET"; fi
if [ -n "$TEST_SUBSET" ]; then train_args+=(--test-subset "$TEST_SUBSET"); eval_args+=(--test-subset "$TEST_SUBSET"); fi
runs=()
for method in ${METHODS:-softmax duq mcdropout ensemble}; do
  dir="$OUT/$method$suffix"
  runs+=("$dir")
  if [ -f "$dir/metrics.json" ] && grep -q "\"epochs\" : $EPOCHS," "$dir/metrics.json"; then
    echo "$method: $EPOCHS epochs already trained ($dir)"
  else
    echo "$method: training for $EPOCHS epochs, log in $dir.log"
    "$BIN" ood train --method "$method" --out "$dir" "${train_args[@]}" > "$dir.log" 2>&1 ||
      { echo "failed: $dir (see $dir.log)"; exit 1; }
    tail -n 2 "$dir.log" | head -n 1
  fi
  if [ ! "$dir/eval.json" -nt "$dir/model.safetensors" ]; then
    "$BIN" ood eval --checkpoint "$dir" "${eval_args[@]}" > "$dir.eval.log" 2>&1 ||
      { echo "failed: ood eval of $dir (see $dir.eval.log)"; exit 1; }
  fi
done
echo
"$BIN" ood report "${runs[@]}" | tee "$OUT/table.md"
