"""PyTorch reference of Penumbra's Neural Process (the same architecture as
Sources/Methods/NeuralProcesses/NeuralProcess.swift), used by `make bench-np` to compare training speed
on the same libtorch.

Architecture (ANP paper code, hidden size H, latent size L):
  deterministic encoder MLP [dx+dy, H, H, H, H] -> cross-attention (queries/keys through a shared
  MLP [dx, H, H]; multihead: torch.nn.MultiheadAttention, 8 heads) -> r
  latent encoder MLP [dx+dy, H, H, H, H] -> masked mean -> relu(Linear(H, (H+L)/2)) ->
  mean, 0.1 + 0.9 sigmoid(scale)
  decoder MLP [H + L + dx, H, H, 2 dy] -> mean, 0.1 + 0.9 softplus(scale)
Loss: negative ELBO per target point.
"""
import json
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def mlp(sizes):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def masked_mean(values, mask):
    w = mask.unsqueeze(-1)
    return (values * w).sum(1) / w.sum(1).clamp(min=1)


class ANP(nn.Module):
    def __init__(self, dx=1, dy=1, hidden=128, latent=128, heads=8):
        super().__init__()
        self.deterministic_encoder = mlp([dx + dy] + [hidden] * 4)
        self.position_encoder = mlp([dx, hidden, hidden])
        self.multihead = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.latent_pairs = mlp([dx + dy] + [hidden] * 4)
        self.latent_hidden = nn.Linear(hidden, (hidden + latent) // 2)
        self.latent_mean = nn.Linear((hidden + latent) // 2, latent)
        self.latent_scale = nn.Linear((hidden + latent) // 2, latent)
        self.decoder = mlp([hidden + latent + dx, hidden, hidden, 2 * dy])
        self.dy = dy

    def latent(self, x, y, mask):
        s = masked_mean(self.latent_pairs(torch.cat([x, y], -1)), mask)
        h = F.relu(self.latent_hidden(s))
        return torch.distributions.Normal(self.latent_mean(h), 0.1 + 0.9 * torch.sigmoid(self.latent_scale(h)))

    def predict(self, xc, yc, mc, xt, z):
        r = self.deterministic_encoder(torch.cat([xc, yc], -1))
        q, k = self.position_encoder(xt), self.position_encoder(xc)
        r, _ = self.multihead(q, k, r, key_padding_mask=mc == 0, need_weights=False)
        h = self.decoder(torch.cat([r, z.unsqueeze(1).expand(-1, xt.shape[1], -1), xt], -1))
        mean, scale = h[..., : self.dy], h[..., self.dy:]
        return torch.distributions.Normal(mean, 0.1 + 0.9 * F.softplus(scale))

    def loss(self, xc, yc, mc, xt, yt, mt):
        count = mt.sum(1).clamp(min=1)
        prior = self.latent(xc, yc, mc)
        posterior = self.latent(xt, yt, mt)
        prediction = self.predict(xc, yc, mc, xt, posterior.rsample())
        ll = (prediction.log_prob(yt).sum(-1) * mt).sum(1) / count
        kl = torch.distributions.kl_divergence(posterior, prior).sum(-1) / count
        return (kl - ll).mean()


def batch(generator, size=16, contexts=25, targets=50):
    """Fixed-size synthetic batch (timing only): x ~ U[-2, 2], y = sin(3x) + noise."""
    xt = torch.rand(size, targets, 1, generator=generator) * 4 - 2
    yt = torch.sin(3 * xt) + 0.02 * torch.randn(size, targets, 1, generator=generator)
    ones = torch.ones(size, targets)
    return xt[:, :contexts], yt[:, :contexts], ones[:, :contexts], xt, yt, ones


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    # The same thread settings as the Swift side (run_np.py sets both).
    torch.set_num_threads(int(os.environ.get("PENUMBRA_THREADS", "1")))
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = ANP()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    data = batch(generator)
    for _ in range(5):  # warm-up
        optimizer.zero_grad(set_to_none=True)
        model.loss(*data).backward()
        optimizer.step()
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        model.loss(*data).backward()
        optimizer.step()
    elapsed = time.perf_counter() - start
    print(json.dumps({"bench": "anp-train", "impl": "pytorch", "steps": steps,
                      "steps_per_s": steps / elapsed, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
