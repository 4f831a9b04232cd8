"""Reference values for Tests/NeuralProcessesTests/NPFReferenceTests.swift: the Neural Process
Family's 1-D AttnCNP in plain PyTorch, float64, at a small size, its loss and gradients on a
few tasks. Also the model that `scripts/attention_weights.py` loads trained checkpoints into.
Run with Debian's interpreter:

    /usr/bin/python3 Benchmarks/reference/npf_attncnp_reference.py > Tests/NeuralProcessesTests/Fixtures/npf_attncnp_reference.json

Written from NPF's model description (jupyter/reproducibility/AttnCNP.ipynb and the modules it
names), not from Penumbra's code, and run the way NPF runs it: one task at a time (all of NPF's
tasks in a batch share a context count, so it never pads), a task without context getting a
zero representation. Parameter names follow Penumbra's, so the test loads the state as is.

- x-embedding: MLP(1 -> R -> R), on context and target inputs alike; it also serves as the
  attention's keys and queries.
- Pair encoder: MLP(R -> R -> R -> R) on ReLU(x-embedding + resize(y)); resize = MLP(1 -> 32 -> R)
  (NPF's `merge_flat_input(..., is_sum_merge=True)`; its default MLP has one hidden layer of 32,
  widened to min(input, output) when that is larger).
- Cross-attention, NPF's "transformer": queries through a Linear with bias, keys and values
  through Linears without; heads of size R / heads, softmax(q k^T / sqrt(head size)) v, heads
  concatenated; h = LayerNorm(attended + query embedding); out = LayerNorm(h + MLP(R -> R -> R)(h)).
- Decoder: MLP(R -> R x 4 hidden -> 2) on ReLU(target x-embedding + resize(r*)), resize =
  MLP(R -> max(32, R) -> R); mean and 0.01 + 0.99 softplus(raw std).
- Loss: the batch mean over tasks of -sum log N(y_t | mean, std) / (target count).
"""
import json

import torch
from torch import nn
import torch.nn.functional as F

from anp_reference import mlp  # Linear layers with ReLU between them

def resizer(a, b):
    return mlp([a, max(32, min(a, b)), b])


class AttnCNP(nn.Module):
    def __init__(self, R=16, heads=4):
        super().__init__()
        self.R, self.heads_count = R, heads
        self.x_encoder = mlp([1, R, R])
        self.pair_resizer = resizer(1, R)
        self.deterministic_encoder = mlp([R, R, R, R])
        self.key_projection = nn.Linear(R, R, bias=False)
        self.query_projection = nn.Linear(R, R)
        self.value_projection = nn.Linear(R, R, bias=False)
        self.first_norm = nn.LayerNorm(R)
        self.feed_forward = mlp([R, R, R])
        self.second_norm = nn.LayerNorm(R)
        self.decoder_resizer = resizer(R, R)
        self.decoder = mlp([R, R, R, R, R, 2])

    def heads(self, t):
        return t.view(t.size(0), self.heads_count, -1).transpose(0, 1)  # [heads, N, head size]

    def attention_weights(self, context_embedding, target_embedding):
        """[heads, targets, contexts]."""
        q = self.heads(self.query_projection(target_embedding))
        k = self.heads(self.key_projection(context_embedding))
        return (q @ k.transpose(1, 2) / q.size(-1) ** 0.5).softmax(-1)

    def predict(self, x_context, y_context, x_target):
        """One task, unpadded: the predictive mean and std at the targets, and the attention
        weights (None without context)."""
        target_embedding = self.x_encoder(x_target)
        weights = None
        if len(x_context) == 0:
            r = target_embedding.new_zeros(len(x_target), self.R)
        else:
            context_embedding = self.x_encoder(x_context)
            values = self.deterministic_encoder(F.relu(context_embedding + self.pair_resizer(y_context)))
            weights = self.attention_weights(context_embedding, target_embedding)
            v = self.heads(self.value_projection(values))
            attended = (weights @ v).transpose(0, 1).reshape(len(x_target), self.R)
            h = self.first_norm(attended + target_embedding)
            r = self.second_norm(h + self.feed_forward(h))
        out = self.decoder(F.relu(target_embedding + self.decoder_resizer(r)))
        return out[:, :1], 0.01 + 0.99 * F.softplus(out[:, 1:]), weights

    def task_loss(self, x_context, y_context, x_target, y_target):
        """One task, unpadded: -sum log-likelihood / target count."""
        mean, std, _ = self.predict(x_context, y_context, x_target)
        return -torch.distributions.Normal(mean, std).log_prob(y_target).sum() / len(x_target)


# Penumbra's names for the parameters.
NAMES = {
    "key_projection": "cross_attention.transformer.key_projection",
    "query_projection": "cross_attention.transformer.query_projection",
    "value_projection": "cross_attention.transformer.value_projection",
    "first_norm": "cross_attention.transformer.first_norm",
    "feed_forward": "cross_attention.transformer.feed_forward",
    "second_norm": "cross_attention.transformer.second_norm",
}


def penumbra_name(name):
    module, rest = name.split(".", 1)
    # nn.Sequential numbers ReLUs too: Linear i of an MLP is module 2 i.
    parts = rest.split(".")
    if parts[0].isdigit():
        rest = f"layers.{int(parts[0]) // 2}.{parts[1]}"
    return f"{NAMES.get(module, module)}.{rest}"


def encode(t):
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


def main():
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    model = AttnCNP()
    # Larger than PyTorch's default initialisation, so that attention is far from uniform and a
    # wrong head split or scale shows in the loss.
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(2)

    targets = 12
    context_counts = [0, 3, 5, 1]
    tasks = []
    for count in context_counts:
        x = torch.sort(torch.rand(targets, 1) * 2 - 1, dim=0).values
        y = torch.sin(4 * x) + 0.3 * torch.randn(targets, 1)
        indices = torch.randperm(targets)[:count]
        tasks.append({"x": x, "y": y, "context_indices": indices})

    loss = torch.stack([
        model.task_loss(t["x"][t["context_indices"]], t["y"][t["context_indices"]], t["x"], t["y"]) for t in tasks
    ]).mean()
    loss.backward()

    print(json.dumps({
        "hidden_size": model.R,
        "heads": model.heads_count,
        "state": {penumbra_name(k): encode(v) for k, v in model.state_dict().items()},
        "tasks": [{"x": encode(t["x"]), "y": encode(t["y"]), "context_indices": t["context_indices"].tolist()} for t in tasks],
        "loss": loss.item(),
        "grads": {penumbra_name(k): encode(p.grad) for k, p in model.named_parameters()},
    }))


if __name__ == "__main__":
    main()
