"""PyTorch reference for Penumbra's DS3L step (Guo et al., ICML 2020).

Run with Debian's interpreter (it sees python3-torch):

    /usr/bin/python3 Benchmarks/reference/ds3l_reference.py

Writes Tests/SemiSupervisedTests/Fixtures/ds3l_reference.json, which
Tests/SemiSupervisedTests/DS3LReferenceTests.swift replays. This is an implementation of the
algorithm of the official code (guolz-ml/DS3L train.py, `bi_train`) written for this test, not
that code: one step is

  1. two passes of the classifier over [x_l; x_u]; the per-example consistency
     mean_k (softmax(pass2) - softmax(pass1).detach())^2 on the unlabelled rows; weights
     w = wnet(softmax(pass1_u)) with the input NOT detached; the inner loss
     sum_l CE / (L + U) + lam * sum(w * l_u) / sum(w); the virtual step
     theta' = theta - eta * grad(inner, theta, create_graph=True);
  2. the meta loss CE(f_theta'(x_l), y_l) (mean), its gradient with respect to the weight
     network's parameters, one Adam step of the weight network;
  3. two fresh passes at theta, weights from the updated weight network without gradient, the
     same loss, one SGD step of the classifier.

Dropout is replaced by fixed masks, one per forward pass in the order the passes happen (two
virtual passes, the meta pass on the labelled rows, two model passes), so the step is
deterministic and both sides see the same noise. Everything is float64.
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


FEATURES, HIDDEN, CLASSES, LABELLED, UNLABELLED = 4, 8, 3, 4, 6
ETA, LAMBDA_MAX, WARMUP, STEP = 0.5, 10.0, 100, 60
WEIGHTS_LR, MODEL_LR = 0.01, 0.1


class MaskedMLP(torch.nn.Module):
    """Linear -> ReLU -> (fixed dropout mask of this pass) -> Linear."""

    def __init__(self, masks):
        super().__init__()
        self.fc1 = torch.nn.Linear(FEATURES, HIDDEN)
        self.fc2 = torch.nn.Linear(HIDDEN, CLASSES)
        self.masks = masks
        self.calls = 0

    def forward(self, x):
        mask = self.masks[self.calls % len(self.masks)][: x.shape[0]]
        self.calls += 1
        return self.fc2(torch.relu(self.fc1(x)) * mask)


class WeightNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = torch.nn.Linear(CLASSES, 100)
        self.linear2 = torch.nn.Linear(100, 1)

    def forward(self, p):
        return torch.sigmoid(self.linear2(torch.relu(self.linear1(p))))


torch.manual_seed(0)
# Dropout masks with p = 0.5, scaled by 1 / (1 - p), one per pass.
masks = inp("masks", (torch.rand(5, LABELLED + UNLABELLED, HIDDEN) > 0.5).double() * 2)
model = MaskedMLP(list(masks))
wnet = WeightNet()
for name, p in model.named_parameters():
    with torch.no_grad():
        p.copy_(inp("model." + name, p))
for name, p in wnet.named_parameters():
    with torch.no_grad():
        p.copy_(inp("weights." + name, p))

x_l = inp("x_l", fixed([LABELLED, FEATURES], 1.5, 0.2))
y_l = inp("y_l", torch.tensor([0, 2, 1, 2]))
x_u = inp("x_u", fixed([UNLABELLED, FEATURES], 2.0, 1.1))
inputs["hyper"] = {
    "shape": [7],
    "values": [ETA, LAMBDA_MAX, WARMUP, STEP, WEIGHTS_LR, MODEL_LR, CLASSES],
}
lam = LAMBDA_MAX * math.exp(-5 * (1 - min(STEP / WARMUP, 1)) ** 2)
images = torch.cat([x_l, x_u])


def weighted_loss(net_call, weights_of):
    first = net_call(images)
    second = net_call(images)
    consistency = ((second[LABELLED:].softmax(1) - first[LABELLED:].softmax(1).detach()) ** 2).mean(1)
    w = weights_of(first[LABELLED:].softmax(1))
    norm = w.sum()
    weighted = (consistency[:, None] * w).sum()
    if norm.item() != 0:
        weighted = weighted / norm
    classification = F.cross_entropy(first[:LABELLED], y_l, reduction="sum") / images.shape[0]
    return classification + lam * weighted, w


# 1. The virtual step.
theta = dict(model.named_parameters())
inner, _ = weighted_loss(model, wnet)
grads = torch.autograd.grad(inner, list(theta.values()), create_graph=True)
stepped = {name: p - ETA * g for (name, p), g in zip(theta.items(), grads)}
out("inner_loss", inner)

# 2. The meta-gradient and the weight network's Adam step.
meta = F.cross_entropy(functional_call(model, stepped, (x_l,)), y_l)
out("meta_loss", meta)
meta_grads = torch.autograd.grad(meta, list(wnet.parameters()))
for (name, _), g in zip(wnet.named_parameters(), meta_grads):
    out("grad.weights." + name, g)
weights_optimizer = torch.optim.Adam(wnet.parameters(), lr=WEIGHTS_LR)
for p, g in zip(wnet.parameters(), meta_grads):
    p.grad = g
weights_optimizer.step()
for name, p in wnet.named_parameters():
    out("after.weights." + name, p)

# 3. The classifier's step with the updated weights held fixed.
model_optimizer = torch.optim.SGD(model.parameters(), lr=MODEL_LR)


def held(p):
    with torch.no_grad():
        return wnet(p)


loss, w = weighted_loss(model, held)
out("model_loss", loss)
out("mean_weight", w.mean())
model_optimizer.zero_grad()
loss.backward()
model_optimizer.step()
for name, p in model.named_parameters():
    out("after.model." + name, p)
assert model.calls == 5, model.calls

path = pathlib.Path(__file__).resolve().parents[2] / "Tests/SemiSupervisedTests/Fixtures/ds3l_reference.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps({"torch": torch.__version__, "inputs": inputs, "expected": expected}, indent=1) + "\n")
print(f"wrote {path}")
for name in ["inner_loss", "meta_loss", "model_loss", "mean_weight"]:
    print(name, expected[name]["values"])
for name in expected:
    if name.startswith("grad."):
        print(name, "max |g| =", max(abs(v) for v in expected[name]["values"]))
