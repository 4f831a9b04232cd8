#!/usr/bin/python3
"""PyTorch side of `make bench-core`: training-step throughput on the same libtorch.

    /usr/bin/python3 Benchmarks/reference/bench_core.py --case mlp|overhead|compute|cnn|duq \
        [--steps N] [--warmup N] [--threads N] [--seed N]

Prints one JSON line shaped like penumbra-bench's. The MLP cases: an MLP with ReLU from
torch.nn (default Linear init), eight fixed batches of standard-normal inputs and targets
(drawn after the weights from the same seed, cycled), F.mse_loss and torch.optim.Adam (lr 1e-3,
the 1.13 defaults). The image cases: the DUQ repository's CNN (utils/cnn_duq.py, written out
here) on eight fixed batches of standard-normal 28x28 images with random labels; `cnn` with a
linear head, cross-entropy and SGD (0.05, momentum 0.9, weight decay 5e-4), `duq` with DUQ's
head (embedding 256, sigma 0.1, gamma 0.999), BCE plus 0.05 times the two-sided gradient
penalty, SGD with weight decay 1e-4 and the centroid update, as train_duq_fm.py's step. All
match Benchmarks/Swift/main.swift.
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
    "cnn": dict(sizes=[64, 128, 128, 256], batch=128, steps=20, warmup=3),
    "duq": dict(sizes=[64, 128, 128, 256], batch=128, steps=8, warmup=2),
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


class FashionCNN(nn.Module):
    """Three conv blocks (conv, batch norm, ReLU, 2x2 max-pool) and a linear layer to features."""

    def __init__(self, channels, features):
        super().__init__()
        c1, c2, c3 = channels
        self.conv1, self.bn1 = nn.Conv2d(1, c1, 3, padding=1), nn.BatchNorm2d(c1)
        self.conv2, self.bn2 = nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2)
        self.conv3, self.bn3 = nn.Conv2d(c2, c3, 3), nn.BatchNorm2d(c3)
        self.fc1 = nn.Linear(2 * 2 * c3, features)

    def forward(self, x):
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)):
            x = F.max_pool2d(F.relu(bn(conv(x))), 2, 2)
        return F.relu(self.fc1(x.flatten(1)))


class DUQ(nn.Module):
    """DUQ's head on the CNN: per-class maps W, RBF kernel to EMA centroids."""

    def __init__(self, features, size, classes=10, embedding=256, sigma=0.1, gamma=0.999):
        super().__init__()
        self.features, self.sigma, self.gamma = features, sigma, gamma
        self.W = nn.Parameter(torch.normal(torch.zeros(embedding, classes, size), 0.05))
        self.register_buffer("N", torch.ones(classes) * 12)
        self.register_buffer("m", torch.normal(torch.zeros(embedding, classes), 1) * 12)

    def embed(self, x):
        return torch.einsum("ij,mnj->imn", self.features(x), self.W)

    def forward(self, x):
        diff = self.embed(x) - (self.m / self.N.unsqueeze(0)).unsqueeze(0)
        return (-(diff ** 2)).mean(1).div(2 * self.sigma ** 2).exp()

    def update_centroids(self, x, y):
        self.N = torch.clamp(self.gamma * self.N + (1 - self.gamma) * y.sum(0), min=1)
        self.m = self.gamma * self.m + (1 - self.gamma) * torch.einsum("ijk,ik->jk", self.embed(x), y)


def duq_step(model, optimizer, x, labels):
    """train_duq_fm.py's step: BCE + 0.05 * gradient penalty, SGD step, centroid update."""
    model.train()
    y = F.one_hot(labels, 10).float()
    x = x.detach().requires_grad_(True)
    k = model(x)
    gradients = torch.autograd.grad(k.sum(), x, create_graph=True)[0]
    penalty = ((gradients.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
    loss = F.binary_cross_entropy(k, y) + 0.05 * penalty
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        model.eval()
        model.update_centroids(x.detach(), y)
    return loss


def classifier_step(model, optimizer, x, labels):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), labels)
    loss.backward()
    optimizer.step()
    loss.item()  # Penumbra's trainingStep reads the loss back every step
    return loss


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
    sizes, batch = spec["sizes"], spec["batch"]
    if args.case in ("cnn", "duq"):
        features = FashionCNN(sizes[:3], sizes[3])
        xs = [torch.randn(batch, 1, 28, 28) for _ in range(BATCH_COUNT)]
        ys = [torch.randint(0, 10, (batch,)) for _ in range(BATCH_COUNT)]
        if args.case == "cnn":
            model = nn.Sequential(features, nn.Linear(sizes[3], 10))
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
            step, loss_of = classifier_step, lambda x, y: F.cross_entropy(model(x), y)
        else:
            model = DUQ(features, sizes[3])
            optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
            step, loss_of = duq_step, lambda x, y: F.binary_cross_entropy(model(x), F.one_hot(y, 10).float())
    else:
        model = mlp(sizes)
        xs = [torch.randn(batch, sizes[0]) for _ in range(BATCH_COUNT)]
        ys = [torch.randn(batch, sizes[-1]) for _ in range(BATCH_COUNT)]
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, foreach=args.foreach or None)
        step, loss_of = train_step, lambda x, y: F.mse_loss(model(x), y)

    with torch.no_grad():
        initial_loss = loss_of(xs[0], ys[0]).item()
    for i in range(warmup):
        step(model, optimizer, xs[i % BATCH_COUNT], ys[i % BATCH_COUNT])

    loss = None
    start = time.perf_counter()
    for i in range(steps):
        loss = step(model, optimizer, xs[i % BATCH_COUNT], ys[i % BATCH_COUNT])
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
