#!/usr/bin/env bash
# Training steps/s of two penumbra builds, alternating (A B, B A, ...) so that the machine's
# drift hits both alike: an image ANP (MNIST, 120 steps), NPF's LNP (NPF protocol, 400 steps)
# and the ANP paper's ANP (deepmind protocol, 1,000 steps), one libtorch thread each. Prints one
# line per run and the median per build and case. Pause other work first for clean numbers.
#
#   git worktree add /tmp/base <commit> && (cd /tmp/base && swift build -c release --product penumbra)
#   scripts/compare-training-speed.sh /tmp/base/.build/release/penumbra .build/release/penumbra [ROUNDS]
set -euo pipefail
A=${1:?usage: compare-training-speed.sh BINARY_A BINARY_B [ROUNDS]}
B=${2:?usage: compare-training-speed.sh BINARY_A BINARY_B [ROUNDS]}
ROUNDS=${3:-3}
export PENUMBRA_THREADS=1 PENUMBRA_BLAS_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A cases=(
  [image-anp]="--data mnist --model anp --attention multihead --self-attention-layers 0 --steps 120 --batch-size 16 --learning-rate 1e-3"
  [npf-np]="--model np --architecture npf --protocol npf --kernel eq --steps 400 --batch-size 32"
  [deepmind-anp]="--model anp --attention multihead --protocol deepmind --kernel eq --random-hyperparameters --steps 1000"
)
# The last steps/s a training run printed.
rate() {
  local binary=$1; shift
  rm -rf "$work/run"
  "$binary" np train "$@" --out "$work/run" --evaluation-tasks 10 > "$work/log" 2>&1 ||
    { echo "failed: $binary np train $* (log: $work/log)" >&2; tail -n 5 "$work/log" >&2; exit 1; }
  tr '\r' '\n' < "$work/log" | grep -o '[0-9.]* steps/s' | tail -n 1 | cut -d' ' -f1
}
for name in image-anp npf-np deepmind-anp; do
  : > "$work/A" && : > "$work/B"
  for round in $(seq "$ROUNDS"); do
    order="A B"; [ $((round % 2)) -eq 0 ] && order="B A"
    for side in $order; do
      binary=$A; [ "$side" = B ] && binary=$B
      r=$(rate "$binary" ${cases[$name]})
      echo "$r" >> "$work/$side"
      echo "$name round $round $side: $r steps/s"
    done
  done
  median() { sort -g "$1" | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
  a=$(median "$work/A"); b=$(median "$work/B")
  echo "$name: median A $a, B $b steps/s, B/A $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", b/a}')"
done
