#!/usr/bin/env bash
# The NPF benchmark of issue 3: CNP, NP, AttnCNP and ANP on RBF, periodic and noisy Matérn
# curves (protocol `npf`), two runs at a time (one libtorch thread each), then the table in
# table.md of the output folder below. STEPS, JOBS, MINIMUM_STD, ARCHITECTURE and MODELS (the
# models to train, in this order; the table lists every run found) are overridable:
# `make experiments-np STEPS=50000 ARCHITECTURE=anp-paper`.
# Optimisation as in the NPF repository: Adam, batch 32, learning rate 1e-3 decayed
# exponentially to 1e-4 over the run (its decay_lr=10), and its predictive σ floor of 0.01
# (σ = 0.01 + 0.99·softplus; MINIMUM_STD=0.1 gives the ANP paper's floor instead).
# ARCHITECTURE (default npf) picks the models' layers: npf builds NPF's own 1-D CNP, LNP, AttnCNP
# and AttnLNP (the models behind its published scores, 252,098 / 301,634 / 252,738 / 335,170
# parameters), anp-paper the ANP paper's encoders and decoder; runs go to separate folders.
# OUT overrides the folder, which a run with another STEPS needs, as resuming keeps the
# learning-rate schedule of the run it resumes: `make experiments-np STEPS=156250
# OUT=out/experiments-np/npf-sigma-floor-0.01-steps-156250`. Each run scores CURVE_TASKS
# (default 256) test tasks at every checkpoint (2,000 steps) into curve.csv and curve.png; the
# folder's curves-<kernel>.png draws the four models' target LL curves together.
# Latent models (np, anp) are scored with z from q(z | targets) importance-weighted towards
# q(z | context) (`--z-from importance`), an estimate of their predictive log-likelihood far less
# biased low than drawing from q(z | context); a finished run scored otherwise is re-scored.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-20000}
JOBS=${JOBS:-2}
MINIMUM_STD=${MINIMUM_STD:-0.01}
CURVE_TASKS=${CURVE_TASKS:-256}
ARCHITECTURE=${ARCHITECTURE:-npf}
# The ANP-paper runs keep the folder they had before the architecture choice existed.
if [ -n "${OUT:-}" ]; then :
elif [ "$ARCHITECTURE" = anp-paper ]; then OUT=out/experiments-np/sigma-floor-$MINIMUM_STD
else OUT=out/experiments-np/$ARCHITECTURE-sigma-floor-$MINIMUM_STD; fi
# One core per run: libtorch and OpenBLAS single-threaded, so parallel runs do not oversubscribe.
export PENUMBRA_THREADS=1 PENUMBRA_BLAS_THREADS=1
BIN=.build/release/penumbra
mkdir -p "$OUT"
runs=()
for kernel in eq periodic noisy-matern; do
  for model in cnp np attncnp anp; do runs+=("$kernel $model"); done
done
# The slowest models first, so the two workers finish together (MODELS picks and orders them).
for model in ${MODELS:-anp attncnp np cnp}; do
  for kernel in eq periodic noisy-matern; do echo "$kernel $model"; done
done | xargs -P "$JOBS" -L 1 bash -c '
  kernel=$0; model=$1; dir='"$OUT"'/$kernel-$model
  if [ -f "$dir/metrics.json" ] && grep -q "\"steps\" : '"$STEPS"'," "$dir/metrics.json" \
    && ! grep -q "\"z_from\" : \"context\"" "$dir/metrics.json"; then exit 0; fi
  '"$BIN"' np train --model "$model" --architecture '"$ARCHITECTURE"' --protocol npf --kernel "$kernel" --steps '"$STEPS"' --batch-size 32 \
    --learning-rate 1e-3 --learning-rate-decay 10 --minimum-std '"$MINIMUM_STD"' --z-from importance \
    --out "$dir" --resume --checkpoint-every 2000 --curve-tasks '"$CURVE_TASKS"' > "$dir.log" 2>&1 || { echo "failed: $dir (see $dir.log)"; exit 1; }
  tail -n 2 "$dir.log" | head -n 1'
# Every finished run in the folder, in the NPF table's order.
$BIN np report $(for r in "${runs[@]}"; do set -- $r; if [ -f "$OUT/$1-$2/metrics.json" ]; then echo "$OUT/$1-$2"; fi; done) | tee "$OUT/table.md"
# The four models' learning curves on one figure per kernel.
for kernel in eq periodic noisy-matern; do
  curves=$(for model in cnp np attncnp anp; do if [ -f "$OUT/$kernel-$model/curve.csv" ]; then echo "$OUT/$kernel-$model"; fi; done)
  if [ -n "$curves" ]; then $BIN np report $curves --curves "$OUT/curves-$kernel.png" | tail -n 1; fi
done
