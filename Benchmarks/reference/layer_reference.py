"""Reference values for Penumbra's layer tests (Tests/NNTests/LayerReferenceTests.swift).

For each layer: a float64 PyTorch module with a fixed seed, a random input, the output, and the
gradients of loss = sum(output * fixed random weights) with respect to the input and every
parameter. Run with Debian's interpreter:

    /usr/bin/python3 Benchmarks/reference/layer_reference.py > Tests/NNTests/Fixtures/layer_reference.json
"""
import json

import torch
from torch import nn

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def encode(t):
    return {"shape": list(t.shape), "values": t.detach().reshape(-1).tolist()}


def case(name, module, inputs, forward=None, train=True):
    module.train(train)
    state = {k: encode(v) for k, v in module.state_dict().items()}
    inputs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
    out = forward(module, *inputs) if forward else module(*inputs)
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    return {
        "name": name,
        "state": state,
        "inputs": [encode(x) for x in inputs],
        "output": encode(out),
        "loss_weights": encode(weights),
        "input_grads": [encode(x.grad) if x.grad is not None else None for x in inputs],
        "grads": {k: encode(p.grad) for k, p in module.named_parameters()},
        "state_after": {k: encode(v) for k, v in module.state_dict().items()},
    }


def mha_forward(module, q, k, v, valid):
    out, _ = module(q, k, v, key_padding_mask=valid == 0, need_weights=False)
    return out


valid = torch.tensor([[1.0, 1, 1, 0], [1, 1, 0, 0]])
cases = [
    case("linear", nn.Linear(5, 3), [torch.randn(4, 5)]),
    case("mlp", nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)), [torch.randn(6, 3)]),
    case("conv2d", nn.Conv2d(3, 4, 3, stride=2, padding=1), [torch.randn(2, 3, 7, 7)]),
    case("conv2d_groups_dilation", nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2), [torch.randn(2, 4, 6, 6)]),
    case("conv_transpose2d", nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), [torch.randn(2, 3, 4, 4)]),
    case("batch_norm1d", nn.BatchNorm1d(3), [torch.randn(8, 3)]),
    case("batch_norm2d", nn.BatchNorm2d(3), [torch.randn(4, 3, 3, 3)]),
    case("group_norm", nn.GroupNorm(2, 4), [torch.randn(3, 4, 3, 3)]),
    case("layer_norm", nn.LayerNorm(5), [torch.randn(2, 3, 5)]),
    case("embedding", nn.Embedding(10, 4), [torch.tensor([[1, 2, 3], [7, 7, 0]])]),
    case("multihead_attention", nn.MultiheadAttention(8, 2, batch_first=True),
         [torch.randn(2, 3, 8), torch.randn(2, 4, 8), torch.randn(2, 4, 8), valid], forward=mha_forward),
]
# Batch norm in evaluation mode uses running statistics: perturb them so the test can tell.
bn = nn.BatchNorm2d(3)
bn.running_mean.copy_(torch.randn(3))
bn.running_var.copy_(torch.rand(3) + 0.5)
cases.append(case("batch_norm2d_eval", bn, [torch.randn(4, 3, 3, 3)], train=False))

print(json.dumps({"torch": torch.__version__, "cases": cases}))
