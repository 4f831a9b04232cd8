#!/usr/bin/env bash
# Bayesian optimisation by Thompson sampling on functions drawn from a GP prior (the NP paper's
# experiment): an exact GP with the true hyperparameters (Thompson and EI), NP and ANP surrogates
# trained on the same prior (`deepmind` protocol, EQ l = 0.6), and random search. Writes
# out/experiments-bo/{gp,gp-ei,np,anp,random}.json, regret.png and table.md. Resumable: finished
# runs and trained models are kept.
# Overridable: FUNCTIONS (100), EVALUATIONS (50), SEED (0), NP_STEPS (10000, training steps of each
# surrogate), SURROGATES ("gp gp-ei np anp np-marginal anp-marginal random"; *-marginal: Thompson
# draws mean + σ·ε per point instead of one z), NP_CHECKPOINT / ANP_CHECKPOINT (use these
# `np train` runs instead of training), OUT, BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
FUNCTIONS=${FUNCTIONS:-100}
EVALUATIONS=${EVALUATIONS:-50}
SEED=${SEED:-0}
NP_STEPS=${NP_STEPS:-10000}
SURROGATES=${SURROGATES:-gp gp-ei np anp np-marginal anp-marginal random}
OUT=${OUT:-out/experiments-bo}
BIN=${BIN:-.build/release/penumbra}
mkdir -p "$OUT"

# Trains (or resumes) a surrogate on the deepmind protocol's EQ curves unless a finished run exists.
train() {
  local model=$1 dir=$OUT/$1-model
  if [ -f "$dir/metrics.json" ] && grep -q "\"steps\" : $NP_STEPS," "$dir/metrics.json"; then return; fi
  echo "training $model surrogate: $NP_STEPS steps -> $dir (log: $dir.log)" >&2
  "$BIN" np train --model "$model" --protocol deepmind --kernel eq --steps "$NP_STEPS" --learning-rate 5e-4 \
    --evaluation-tasks 200 --checkpoint-every 1000 --resume --out "$dir" > "$dir.log" 2>&1 \
    || { echo "failed: training $model (see $dir.log)" >&2; exit 1; }
}

# Runs one surrogate unless its JSON already holds a run with these settings.
run() {
  local name=$1 json=$OUT/$1.json; shift
  if [ -f "$json" ] && grep -q "\"functions\" : $FUNCTIONS," "$json" && grep -q "\"evaluations\" : $EVALUATIONS," "$json" \
    && grep -q "\"seed\" : $SEED," "$json"; then return; fi
  "$BIN" bo run "$@" --objective gp-prior --functions "$FUNCTIONS" --evaluations "$EVALUATIONS" --seed "$SEED" \
    --out "$json" > /dev/null
  echo "wrote $json" >&2
}

jsons=()
for surrogate in $SURROGATES; do
  case $surrogate in
    gp | random) run "$surrogate" --surrogate "$surrogate" ;;
    gp-ei) run gp-ei --surrogate gp --acquisition ei ;;
    np | anp | np-marginal | anp-marginal)
      model=${surrogate%-marginal}
      draw=latent; [ "$model" != "$surrogate" ] && draw=marginal
      var=$(echo "$model" | tr a-z A-Z)_CHECKPOINT
      checkpoint=${!var:-}
      if [ -z "$checkpoint" ]; then train "$model"; checkpoint=$OUT/$model-model; fi
      run "$surrogate" --surrogate "$model" --checkpoint "$checkpoint" --draw "$draw" ;;
    *) echo "unknown surrogate '$surrogate' (gp, gp-ei, np, anp, np-marginal, anp-marginal, random)" >&2; exit 1 ;;
  esac
  jsons+=("$OUT/$surrogate.json")
done
"$BIN" bo plot "${jsons[@]}" --out "$OUT/regret.png" >&2
"$BIN" bo table "${jsons[@]}" | tee "$OUT/table.md"
