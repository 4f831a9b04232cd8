"""PyTorch reference for Penumbra's functional forward and meta-gradient (DS3L's shape).

Run with Debian's interpreter (it sees python3-torch):

    /usr/bin/python3 Benchmarks/reference/functional_reference.py

Writes Tests/NNTests/Fixtures/functional_reference.json. The model is an MLP 3 -> 5 -> 2 with
tanh, the weight network a Linear 2 -> 1 with a sigmoid fed the model's (detached) softmax, as
DS3L's meta-net w_alpha is. One virtual SGD step on the weighted unlabelled loss,
theta' = theta - lr * grad(inner, theta, create_graph=True), then the labelled loss at theta'
(functional_call) and its gradient with respect to the weight network: the
meta-gradient. Tests/NNTests/FunctionalCallTests.swift rebuilds the same numbers.
"""

import json
import math
import pathlib

import torch
import torch.nn.functional as F
# torch.func.functional_call from PyTorch 2.0; Debian 12 ships 1.13, where it lives here.
from torch.nn.utils.stateless import functional_call

torch.set_default_dtype(torch.float64)

inputs = {}
expected = {}


def put(table, name, tensor):
    tensor = torch.as_tensor(tensor).detach()
    table[name] = {"shape": list(tensor.shape), "values": tensor.reshape(-1).tolist()}


def inp(name, tensor):
    put(inputs, name, tensor)
    return torch.as_tensor(tensor)


def out(name, tensor):
    put(expected, name, tensor)


def fixed(shape, scale, phase):
    """Deterministic, irregular numbers: scale * sin(1.3 k + phase) for k = 0, 1, ..."""
    n = math.prod(shape)
    return scale * torch.sin(1.3 * torch.arange(n, dtype=torch.float64) + phase).reshape(shape)


model = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
meta = torch.nn.Linear(2, 1)
# Penumbra's MLP names its layers layers.0 and layers.1 (the activation is not a module).
names = {"layers.0.weight": "0.weight", "layers.0.bias": "0.bias", "layers.1.weight": "2.weight", "layers.1.bias": "2.bias"}
with torch.no_grad():
    for (ours, theirs), phase in zip(names.items(), [0.1, 0.7, 1.9, 2.3]):
        parameter = dict(model.named_parameters())[theirs]
        parameter.copy_(inp(ours, fixed(list(parameter.shape), 0.6, phase)))
    meta.weight.copy_(inp("meta.weight", torch.tensor([[0.8, -0.6]])))
    meta.bias.copy_(inp("meta.bias", torch.tensor([0.1])))

x_unlabelled = inp("x_unlabelled", fixed([6, 3], 1.0, 0.4))
y_unlabelled = inp("y_unlabelled", torch.tensor([0, 1, 1, 0, 1, 0]))
x_labelled = inp("x_labelled", fixed([4, 3], 1.0, 2.9))
y_labelled = inp("y_labelled", torch.tensor([1, 0, 0, 1]))
learning_rate = 0.5
inputs["learning_rate"] = {"shape": [], "values": [learning_rate]}

theta = dict(model.named_parameters())
logits = model(x_unlabelled)
weights = torch.sigmoid(meta(F.softmax(logits, dim=1).detach())).squeeze(1)
inner = (weights * F.cross_entropy(logits, y_unlabelled, reduction="none")).mean()
gradients = torch.autograd.grad(inner, list(theta.values()), create_graph=True)
stepped = {name: value - learning_rate * g for (name, value), g in zip(theta.items(), gradients)}
outer = F.cross_entropy(functional_call(model, stepped, (x_labelled,)), y_labelled)
meta_weight, meta_bias = torch.autograd.grad(outer, [meta.weight, meta.bias])

out("weights", weights)
out("inner", inner)
for ours, theirs in names.items():
    out("stepped." + ours, stepped[theirs])
out("outer", outer)
out("meta_grad.weight", meta_weight)
out("meta_grad.bias", meta_bias)
# The module's own parameters are unchanged by the functional call.
out("after.layers.0.weight", model[0].weight)

path = pathlib.Path(__file__).resolve().parents[2] / "Tests/NNTests/Fixtures/functional_reference.json"
path.write_text(json.dumps({"torch": torch.__version__, "inputs": inputs, "expected": expected}, indent=1) + "\n")
print(f"wrote {path}")
