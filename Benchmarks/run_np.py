#!/usr/bin/python3
"""`make bench-np`: Neural Process speed and memory.

1. ANP (multihead) training steps/s, Swift (penumbra-bench-np) against the PyTorch reference of
   the same architecture (Benchmarks/reference/anp_reference.py) on the same libtorch, with
   identical thread settings, interleaved S P, P S, S P, ...; one JSON line with the medians,
   their ratio, and the median of the per-round ratios (`paired_ratio`).
2. ANP prediction for 10k and 100k targets given 1,000 contexts, chunked, and the exact GP
   posterior at 1,000 / 2,000 / 4,000 contexts: time and peak memory, one process per case.
"""
import argparse
import json
import os
import statistics

from bench_common import ROOT, build, match_penumbra_process, paired_ratio, run

SWIFT = ROOT / ".build" / "release" / "penumbra-bench-np"
REFERENCE = ROOT / "Benchmarks" / "reference" / "anp_reference.py"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("PENUMBRA_THREADS") or 1))
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        build("penumbra-bench-np")
    # OpenBLAS threads: Penumbra's default of one, for both sides.
    env = dict(os.environ, PENUMBRA_THREADS=str(args.threads), OMP_NUM_THREADS=str(args.threads),
               OPENBLAS_NUM_THREADS=os.environ.get("PENUMBRA_BLAS_THREADS", "1"))
    env.pop("PENUMBRA_BLAS_THREADS", None)
    match_penumbra_process(env, run([SWIFT, "train", "--steps", 1], env)["blas_core"])

    runs = {"swift": [], "pytorch": []}
    sides = [("swift", [SWIFT, "train", "--steps", args.steps]),
             ("pytorch", ["/usr/bin/python3", REFERENCE, args.steps])]
    for round_index in range(args.rounds):
        # S P, P S, S P, ...: a machine that speeds up or slows down during the run (this VM's
        # speed drifts by 30 % over minutes) hits both sides alike.
        for impl, command in sides if round_index % 2 == 0 else reversed(sides):
            runs[impl].append(run(command, env)["steps_per_s"])
    s, p = statistics.median(runs["swift"]), statistics.median(runs["pytorch"])
    print(json.dumps({"bench": "anp-train", "swift_steps_per_s": round(s, 2), "pytorch_steps_per_s": round(p, 2),
                      "ratio": round(s / p, 3), "paired_ratio": round(paired_ratio(runs["swift"], runs["pytorch"]), 3),
                      "threads": args.threads, "steps": args.steps,
                      "blas_core": env["OPENBLAS_CORETYPE"],
                      "swift_runs": [round(x, 2) for x in runs["swift"]],
                      "pytorch_runs": [round(x, 2) for x in runs["pytorch"]],
                      "load": round(os.getloadavg()[0], 2)}), flush=True)

    for targets in (10_000, 100_000):
        print(json.dumps(run([SWIFT, "infer", "--contexts", 1000, "--targets", targets, "--chunk", 2048], env)), flush=True)
    for contexts in (1000, 2000, 4000):
        print(json.dumps(run([SWIFT, "gp", "--contexts", contexts, "--targets", 10_000], env)), flush=True)


if __name__ == "__main__":
    main()
