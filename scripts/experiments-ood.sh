#!/usr/bin/env bash
# The DUQ paper's Fashion-MNIST → MNIST benchmark: softmax, a deep ensemble of 5, MC dropout,
# DUQ, SDE-Net with its ResNet baseline, and belief matching, trained one after another (each resumable: rerun to
# continue), each scored against MNIST, uniform noise and upside-down Fashion-MNIST; softmax is
# also scored with the Gram-matrix detector (`ood eval --detector gram`, its own row "Softmax +
# Gram"). The tables (summary, then every detection score against MNIST) go to $OUT/table.md,
# the runs' reliability curves and ROC curves against MNIST to $OUT/comparison.png; a third
# table scores each member of the deep ensemble alone.
# Overridable: METHODS (default "softmax duq mcdropout ensemble sdenet resnet belief-matching"),
# EPOCHS (default: each method's reference budget, 40 for sdenet and resnet as in SDE-Net's
# scripts, 30 for the others as in train_duq_fm.py), MILESTONES (epochs after which the learning
# rate drops; default: each method's reference, 10,20, for resnet 11,21,31 and for sdenet
# 11,21,31 / 16,31; a given list drops both SDE-Net optimisers), GRAM_TRAIN_IMAGES (training images of the Gram bounds; default: the command's),
# TRAIN_SUBSET and TEST_SUBSET (default: all images), CURVE_IMAGES (test images and MNIST digits
# scored after every epoch into each run's curve.csv and curve.png; default 2000, 0: off), SEED,
# OUT. A smoke run:
# `make experiments-ood EPOCHS=1 TRAIN_SUBSET=2000`.
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${EPOCHS:-}
MILESTONES=${MILESTONES:-}
GRAM_TRAIN_IMAGES=${GRAM_TRAIN_IMAGES:-}
TRAIN_SUBSET=${TRAIN_SUBSET:-}
TEST_SUBSET=${TEST_SUBSET:-}
SEED=${SEED:-0}
CURVE_IMAGES=${CURVE_IMAGES:-2000}
OUT=${OUT:-out/experiments-ood}
BIN=${BIN:-.build/release/penumbra}
mkdir -p "$OUT"
train_args=(--seed "$SEED" --resume --curve-images "$CURVE_IMAGES")
eval_args=(--json)
gram_args=()
suffix=""
if [ -n "$MILESTONES" ]; then train_args+=(--milestones "$MILESTONES"); fi
# A subset run is another configuration, so it gets its own folder (resuming checks the config).
if [ -n "$TRAIN_SUBSET" ]; then train_args+=(--train-subset "$TRAIN_SUBSET"); suffix="-subset$TRAIN_SUBSET"; fi
if [ -n "$TEST_SUBSET" ]; then train_args+=(--test-subset "$TEST_SUBSET"); eval_args+=(--test-subset "$TEST_SUBSET"); fi
if [ -n "$GRAM_TRAIN_IMAGES" ]; then gram_args+=(--gram-train-images "$GRAM_TRAIN_IMAGES"); fi
runs=()
# Whether the JSON file $1 (metrics or an evaluation's) exists and names the epochs of this run.
names_epochs() { grep -qs "\"epochs\" : $epochs," "$1"; }
# Whether `ood eval` has scored this run as trained, in the files of evaluation $1 ("", "-gram",
# "-member2"): its score file, written last, exists and its metrics name the epochs trained. File
# times would not do: a git checkout sets them all to the time of the checkout.
scored() { [ -f "$dir/eval$1-scores.safetensors" ] && names_epochs "$dir/eval$1.json"; }
for method in ${METHODS:-softmax duq mcdropout ensemble sdenet resnet belief-matching}; do
  dir="$OUT/$method$suffix"
  runs+=("$dir")
  epochs=${EPOCHS:-$(case "$method" in sdenet | resnet) echo 40 ;; *) echo 30 ;; esac)}
  if names_epochs "$dir/metrics.json"; then
    echo "$method: $epochs epochs already trained ($dir)"
  else
    echo "$method: training for $epochs epochs, log in $dir.log"
    "$BIN" ood train --method "$method" --out "$dir" --epochs "$epochs" "${train_args[@]}" > "$dir.log" 2>&1 ||
      { echo "failed: $dir (see $dir.log)"; exit 1; }
    tail -n 2 "$dir.log" | head -n 1
  fi
  if ! scored ""; then
    "$BIN" ood eval --checkpoint "$dir" "${eval_args[@]}" > "$dir.eval.log" 2>&1 ||
      { echo "failed: ood eval of $dir (see $dir.eval.log)"; exit 1; }
  fi
  # The Gram detector post hoc on the softmax network: a row of its own.
  if [ "$method" = softmax ]; then
    if ! scored -gram; then
      echo "$method: Gram-matrix evaluation, log in $dir.eval-gram.log"
      "$BIN" ood eval --checkpoint "$dir" --detector gram "${eval_args[@]}" ${gram_args[@]+"${gram_args[@]}"} \
        > "$dir.eval-gram.log" 2>&1 || { echo "failed: ood eval --detector gram of $dir (see $dir.eval-gram.log)"; exit 1; }
    fi
    runs+=("$dir:gram")
  fi
  # Each member of the deep ensemble alone (`ood eval --member`): single softmax networks trained
  # like the ensemble, a table of their own beside the ensemble's row.
  if [ "$method" = ensemble ]; then
    members=("$dir")
    count=$(grep -o '"members" : [0-9]*' "$dir/metrics.json" | grep -o '[0-9]*$') ||
      { echo "no member count in $dir/metrics.json: retrain with \`penumbra ood train --method ensemble --out $dir\`"; exit 1; }
    for ((member = 0; member < count; member++)); do
      if ! scored "-member$member"; then
        "$BIN" ood eval --checkpoint "$dir" --member "$member" "${eval_args[@]}" > "$dir.eval-member$member.log" 2>&1 ||
          { echo "failed: ood eval --member $member of $dir (see $dir.eval-member$member.log)"; exit 1; }
      fi
      members+=("$dir:member$member")
    done
  fi
done
echo
{
  "$BIN" ood report "${runs[@]}"
  echo
  "$BIN" ood report "${runs[@]}" --detection mnist --figure "$OUT/comparison.png"
  if [ -n "${members+x}" ]; then
    echo
    "$BIN" ood report "${members[@]}"
  fi
} | tee "$OUT/table.md"
