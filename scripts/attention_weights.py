#!/usr/bin/env python3
"""Where a trained NPF AttnCNP (`np train --model attncnp --architecture npf`) attends, on the
tasks of a JSON Lines tasks file (`scripts/npf_gp_tasks.py`), by number of context points:

    /usr/bin/python3 scripts/npf_gp_tasks.py --kernel periodic --tasks 256 --out /tmp/periodic.jsonl
    /usr/bin/python3 scripts/attention_weights.py --checkpoint RUN --tasks-file /tmp/periodic.jsonl

The checkpoint is loaded into the independent PyTorch model of
Benchmarks/reference/npf_attncnp_reference.py, and the log-likelihoods it prints equal those of
`penumbra np eval --tasks-file` on the same file, which checks the loading. Columns, averaged over
heads, then over the queries of a task, then over tasks:
- self: a context point's attention weight on itself (1: it reads only its own value);
- attended: exp(entropy) of a context point's weights, about the number of contexts it blends;
- near, period away: for the other targets, the weight on contexts within --window of the query
  (an interpolating model), and on contexts within --window of a whole number of periods away
  (a model that has learned the period), beside what uniform weights would put there
  (--period 0 leaves these columns out).
Distances are in the tasks file's x units, as are --window and --period.
"""
import argparse
import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Benchmarks" / "reference"))
from npf_attncnp_reference import AttnCNP, penumbra_name  # noqa: E402

BINS = [(1, 10), (11, 25), (26, 50)]


def load(checkpoint, hidden, heads):
    path = Path(checkpoint)
    if path.is_dir():
        path = path / "model.safetensors"
    if not path.exists():
        raise SystemExit(f"{path}: no checkpoint; pass a run folder of `np train` or its model.safetensors")
    model = AttnCNP(hidden, heads)
    saved = load_file(str(path))
    names = {penumbra_name(k): k for k in model.state_dict()}
    missing = sorted(set(names) - set(saved))
    if missing:
        raise SystemExit(f"{path}: not an NPF AttnCNP of hidden size {hidden} (missing {missing[0]}, ...)")
    model.load_state_dict({names[k]: saved[k].double() for k in names})
    return model.double().eval()


def task_statistics(model, task, x_scale, window, period):
    """One task's per-point log-likelihoods and attention statistics (x in the file's units)."""
    column = lambda v: torch.tensor(v, dtype=torch.float64).reshape(-1, 1)
    xc, yc, xt, yt = (column(task[k]) for k in ("x_context", "y_context", "x_target", "y_target"))
    mean, std, weights = model.predict(xc * x_scale, yc, xt * x_scale)
    ll = torch.distributions.Normal(mean, std).log_prob(yt).squeeze(1)
    stats = {"target_ll": ll.mean().item()}
    if weights is None:
        return stats
    # Which target each context point is (the tasks' contexts are among their targets).
    distance = (xt - xc.T).abs()  # [targets, contexts]
    own = distance < 1e-12
    is_context = own.any(1)
    others = ~is_context
    w = weights.mean(0)  # [targets, contexts], averaged over heads
    entropy = -(weights * weights.clamp_min(1e-300).log()).sum(-1)  # [heads, targets]
    stats.update(contexts=len(xc), context_ll=ll[is_context].mean().item(), self=w[own].mean().item(),
                 attended=entropy[:, is_context].exp().mean().item(),
                 near=(w * (distance < window))[others].sum(1).mean().item())
    if period > 0:
        cycles = torch.round(distance / period)
        away = (cycles >= 1) & ((distance - cycles * period).abs() < window)
        stats["period_away"] = (w * away)[others].sum(1).mean().item()
        stats["period_away_uniform"] = away[others].double().mean(1).mean().item()
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True, help="run folder or model.safetensors")
    parser.add_argument("--tasks-file", required=True, help="JSON Lines tasks (scripts/npf_gp_tasks.py)")
    parser.add_argument("--x-scale", type=float, default=0.5, help="model x per file x (npf: 0.5)")
    parser.add_argument("--window", type=float, default=0.04, help="'near' distance, file units")
    parser.add_argument("--period", type=float, default=0.5, help="the curves' period, file units (0: none)")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--heads", type=int, default=8)
    args = parser.parse_args()
    model = load(args.checkpoint, args.hidden, args.heads)
    tasks = [json.loads(line) for line in open(args.tasks_file) if line.strip()]
    with torch.no_grad():
        stats = [task_statistics(model, t, args.x_scale, args.window, args.period) for t in tasks]
    with_context = [s for s in stats if "contexts" in s]
    mean = lambda group, key: sum(s[key] for s in group) / len(group)
    # Per-task scores averaged over tasks, as `penumbra np eval` reports them.
    print(json.dumps({"tasks": len(tasks), "target_ll": mean(stats, "target_ll"),
                      "context_ll": mean(with_context, "context_ll")}))
    columns = {"target LL": "target_ll", "context LL": "context_ll", "self": "self", "attended": "attended",
               "near": "near"}
    if args.period > 0:
        columns.update({"period away": "period_away", "(uniform weights)": "period_away_uniform"})
    header = ["contexts", "tasks", *columns]
    print("| " + " | ".join(header) + " |\n|" + " ---: |" * len(header))
    for low, high in BINS:
        group = [s for s in with_context if low <= s["contexts"] <= high]
        if not group:
            continue
        row = [f"{low}–{high}", len(group)] + [mean(group, key) for key in columns.values()]
        print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
