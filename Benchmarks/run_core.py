#!/usr/bin/python3
"""`make bench-core`: Penumbra's Swift layer against PyTorch on the same libtorch.

Builds penumbra-bench in release mode, then for each case runs the Swift and the PyTorch
benchmark interleaved (S P, P S, S P, ...) for several rounds with identical thread settings,
and prints one JSON line per case and thread setting with the median steps/s of each side
(after checking that both sides trained the same model: same sizes and initial loss):

    {"bench": ..., "swift_steps_per_s": x, "pytorch_steps_per_s": y, "ratio": x / y,
     "threads": ..., "blas_threads": ..., "steps": ..., ...}

Thread settings: `--threads` is libtorch's intra-op thread count (torch.set_num_threads; also
OMP_NUM_THREADS), `--blas-threads` OpenBLAS's (OPENBLAS_NUM_THREADS). Both take comma lists
to sweep, e.g. `--threads 1,2 --blas-threads 1,2`. Defaults: PENUMBRA_THREADS or 1, and
PENUMBRA_BLAS_THREADS or the number of cores.
"""
import argparse
import json
import os
import statistics
import sys

from bench_common import ROOT, build, match_penumbra_process, paired_ratio, run

SWIFT_BENCH = ROOT / ".build" / "release" / "penumbra-bench"
PYTHON_BENCH = ROOT / "Benchmarks" / "reference" / "bench_core.py"
CASES = ["overhead", "mlp", "compute", "cnn", "duq"]


def integers(text):
    return [int(part) for part in text.split(",") if part.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma list of " + ", ".join(CASES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=integers, default=[int(os.environ.get("PENUMBRA_THREADS") or 1)])
    parser.add_argument("--blas-threads", type=integers,
                        default=[int(os.environ.get("PENUMBRA_BLAS_THREADS") or os.cpu_count() or 1)])
    parser.add_argument("--steps", type=int, help="override every case's step count")
    parser.add_argument("--no-build", action="store_true", help="use the existing release binary")
    parser.add_argument("--verbose", action="store_true", help="also print every single run")
    args = parser.parse_args()

    if not args.no_build:
        build("penumbra-bench")
    probe = run([SWIFT_BENCH, "--case", "overhead", "--steps", "1", "--warmup", "0"], os.environ)
    match_penumbra_process(os.environ, probe["blas_core"])
    for case in args.cases.split(","):
        for threads in args.threads:
            for blas in args.blas_threads:
                # Identical settings for both sides, through the environment and --threads.
                env = dict(os.environ, PENUMBRA_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
                           OPENBLAS_NUM_THREADS=str(blas))
                env.pop("PENUMBRA_BLAS_THREADS", None)
                extra = ["--case", case, "--threads", str(threads)]
                if args.steps:
                    extra += ["--steps", str(args.steps)]
                runs = {"swift": [], "pytorch": []}
                load_before = os.getloadavg()[0]
                sides = [("swift", [SWIFT_BENCH]), ("pytorch", ["/usr/bin/python3", PYTHON_BENCH])]
                for round_index in range(args.rounds):
                    # S P, P S, S P, ...: a load that rises or falls during a case hits both sides alike.
                    for impl, command in sides if round_index % 2 == 0 else reversed(sides):
                        report = run(command + extra, env)
                        if args.verbose:
                            print(json.dumps(report), file=sys.stderr)
                        runs[impl].append(report)
                swift, pytorch = runs["swift"][0], runs["pytorch"][0]
                # The two sides must have run the same case.
                for key in ("sizes", "batch", "steps", "threads"):
                    if swift[key] != pytorch[key]:
                        sys.exit(f"run_core: {case}: {key} differs: swift {swift[key]}, pytorch {pytorch[key]}")
                # ...on the same model: both draw the weights and data from one seed in the same
                # order, so the first batch's loss before training agrees.
                if abs(swift["initial_loss"] - pytorch["initial_loss"]) > 1e-5 * abs(pytorch["initial_loss"]):
                    sys.exit(f"run_core: {case}: initial loss differs: swift {swift['initial_loss']}, "
                             f"pytorch {pytorch['initial_loss']} (not the same model)")
                s = statistics.median(r["steps_per_s"] for r in runs["swift"])
                p = statistics.median(r["steps_per_s"] for r in runs["pytorch"])
                print(json.dumps({
                    "bench": case, "swift_steps_per_s": round(s, 2), "pytorch_steps_per_s": round(p, 2),
                    "ratio": round(s / p, 3),
                    "paired_ratio": round(paired_ratio([r["steps_per_s"] for r in runs["swift"]],
                                                       [r["steps_per_s"] for r in runs["pytorch"]]), 3),
                    "threads": threads, "blas_threads": blas,
                    # Other load only slows a run down, so the best run estimates the unloaded speed.
                    "ratio_best": round(max(r["steps_per_s"] for r in runs["swift"])
                                        / max(r["steps_per_s"] for r in runs["pytorch"]), 3),
                    "steps": swift["steps"], "rounds": args.rounds, "sizes": swift["sizes"], "batch": swift["batch"],
                    "initial_loss": [swift["initial_loss"], pytorch["initial_loss"]],
                    "swift_runs": [round(r["steps_per_s"], 2) for r in runs["swift"]],
                    "pytorch_runs": [round(r["steps_per_s"], 2) for r in runs["pytorch"]],
                    # Other work on the machine skews the numbers; the 1-minute load shows how much.
                    "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                }), flush=True)


if __name__ == "__main__":
    main()
