#!/usr/bin/python3
"""PyTorch side of `make bench-core`: training-step throughput on the same libtorch.

    /usr/bin/python3 Benchmarks/reference/bench_core.py --case mlp|overhead|compute \
        [--steps N] [--warmup N] [--threads N] [--seed N]

Prints one JSON line shaped like penumbra-bench's. The model (an MLP with ReLU from torch.nn,
default Linear init), the data (eight fixed batches of standard-normal inputs and targets,
drawn after the weights from the same seed, cycled), the loss (F.mse_loss) and the optimiser
(torch.optim.Adam, lr 1e-3, the 1.13 defaults) match Benchmarks/Swift/main.swift.
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F
from torch import nn

# Must stay identical to `cases` in Benchmarks/Swift/main.swift.
CASES = {
    "mlp": dict(sizes=[32, 128, 128, 128, 1], batch=64, steps=2000, warmup=100),
    "overhead": dict(sizes=[8, 8, 8, 8, 8, 8, 8, 1], batch=4, steps=5000, warmup=200),
    "compute": dict(sizes=[1024, 1024, 1024, 1024], batch=512, steps=20, warmup=2),
}
BATCH_COUNT = 8


def mlp(sizes):
    """Linear layers with ReLU between them, none after the last (Penumbra's MLP)."""
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def train_step(model, optimizer, x, y):
    loss = F.mse_loss(model(x), y)
    # Penumbra's zeroGrad resets gradients to None; ask PyTorch 1.13 for the same.
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", default="mlp", choices=sorted(CASES))
    parser.add_argument("--steps", type=int)
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--foreach", action="store_true",
                        help="Adam's multi-tensor path (not the 1.13 default; for comparison only)")
    args = parser.parse_args()
    spec = CASES[args.case]
    steps = args.steps if args.steps is not None else spec["steps"]
    warmup = args.warmup if args.warmup is not None else spec["warmup"]
    # Same precedence as Torch.configureThreadsFromEnvironment() then --threads.
    threads = args.threads or int(os.environ.get("PENUMBRA_THREADS", "0") or 0) or 1
    torch.set_num_threads(threads)

    torch.manual_seed(args.seed)
    model = mlp(spec["sizes"])
    xs = [torch.randn(spec["batch"], spec["sizes"][0]) for _ in range(BATCH_COUNT)]
    ys = [torch.randn(spec["batch"], spec["sizes"][-1]) for _ in range(BATCH_COUNT)]
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=args.foreach or None)

    with torch.no_grad():
        initial_loss = F.mse_loss(model(xs[0]), ys[0]).item()
    for i in range(warmup):
        train_step(model, optimizer, xs[i % BATCH_COUNT], ys[i % BATCH_COUNT])

    loss = None
    start = time.perf_counter()
    for i in range(steps):
        loss = train_step(model, optimizer, xs[i % BATCH_COUNT], ys[i % BATCH_COUNT])
    seconds = time.perf_counter() - start
    final_loss = loss.item() if loss is not None else initial_loss

    print(json.dumps({
        "bench": args.case, "impl": "pytorch-foreach" if args.foreach else "pytorch", "steps_per_s": steps / seconds, "steps": steps,
        "warmup": warmup, "seconds": seconds, "threads": torch.get_num_threads(),
        "sizes": spec["sizes"], "batch": spec["batch"], "initial_loss": initial_loss,
        "final_loss": final_loss,
    }))


if __name__ == "__main__":
    main()
