#!/usr/bin/env python3
"""Writes NPF-style GP test tasks as a JSON Lines tasks file for `penumbra np eval --tasks-file`.

Drawn independently of Penumbra's sampler, the way the Neural Process Family repository draws
them (utils/data/gaussian_process.py): 128 sorted x ~ U[-2, 2], y from the kernel's prior by
NumPy's SVD-based multivariate normal, no jitter; n_context ~ U{0..50} among the 128 points;
targets are all 128 (`--targets rest`: only the points outside the context, to score prediction
away from the observations alone). Scoring these beside Penumbra's own tasks checks the sampler end to end:

    python3 scripts/npf_gp_tasks.py --kernel periodic --tasks 256 --out /tmp/periodic.jsonl
    penumbra np eval --checkpoint RUN --tasks-file /tmp/periodic.jsonl
"""
import argparse
import json

import numpy as np


def covariance(kernel, x):
    """The NPF kernels (sklearn's definitions) at fixed hyperparameters."""
    d = np.abs(x[:, None] - x[None, :])
    if kernel == "eq":
        return np.exp(-0.5 * (d / 0.2) ** 2)
    if kernel == "periodic":  # ExpSineSquared(length_scale=0.5, periodicity=0.5)
        return np.exp(-2 * np.sin(np.pi * d / 0.5) ** 2 / 0.5**2)
    if kernel == "noisy-matern":  # Matern(0.2, nu=1.5) + WhiteKernel(0.1)
        r = np.sqrt(3) * d / 0.2
        return (1 + r) * np.exp(-r) + 0.1 * np.eye(len(x))
    raise SystemExit(f"unknown kernel {kernel!r}: use eq, periodic or noisy-matern")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel", required=True, help="eq, periodic or noisy-matern")
    parser.add_argument("--tasks", type=int, default=256)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--targets", choices=["all", "rest"], default="all",
                        help="all 128 points (NPF's), or the points outside the context")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with open(args.out, "w") as out:
        for _ in range(args.tasks):
            x = np.sort(rng.uniform(-2, 2, 128))
            y = rng.multivariate_normal(np.zeros(128), covariance(args.kernel, x), method="svd")
            context = rng.permutation(128)[: rng.integers(0, 51)]
            target = np.arange(128) if args.targets == "all" else np.setdiff1d(np.arange(128), context)
            task = {"x_context": x[context].tolist(), "y_context": y[context].tolist(),
                    "x_target": x[target].tolist(), "y_target": y[target].tolist()}
            out.write(json.dumps(task) + "\n")


if __name__ == "__main__":
    main()
