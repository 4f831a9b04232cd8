"""PyTorch reference values for Penumbra's losses and distributions.

Run with Debian's interpreter (it sees python3-torch):

    /usr/bin/python3 Benchmarks/reference/loss_distribution_reference.py

Writes Tests/NNTests/Fixtures/loss_distribution_reference.json: fixed float64 inputs and the
values (and a few gradients) PyTorch computes from them. Tests/NNTests/LossTests.swift and
DistributionTests.swift read the same inputs and compare to 1e-6.
"""

import json
import pathlib

import torch
import torch.nn.functional as F
from torch import distributions as D

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


# Inputs: fixed numbers, not random draws, so the fixture is reproducible anywhere.
prediction = inp("prediction", [[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [3.0, 1.0, 0.25], [-2.0, 0.75, 1.25]])
target = inp("target", [[0.0, -1.5, 2.5], [1.0, 0.5, -0.5], [2.0, 1.0, 1.0], [-1.0, 0.0, 1.0]])
logits = inp("logits", [[1.0, -0.5, 2.0, 0.3], [0.2, 0.1, -1.0, 1.5], [-0.7, 2.2, 0.4, 0.0],
                        [1.1, 1.0, 0.9, -2.0], [0.0, -0.3, 0.6, 0.8]])
classes = inp("classes", torch.tensor([2, 3, 1, 0, 1]))
class_weight = inp("class_weight", [1.0, 2.0, 0.5, 1.5])
soft_targets = inp("soft_targets", [[0.7, 0.1, 0.1, 0.1], [0.0, 0.0, 0.5, 0.5], [0.25, 0.25, 0.25, 0.25],
                                    [1.0, 0.0, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]])
# [N=2, C=3, 2, 2] logits with [2, 2, 2] targets: the per-pixel form.
spatial_logits = inp("spatial_logits", torch.arange(24, dtype=torch.float64).reshape(2, 3, 2, 2).sin() * 2)
spatial_classes = inp("spatial_classes", torch.tensor([[[0, 1], [2, 1]], [[2, 2], [0, 1]]]))
binary_logits = inp("binary_logits", [-2.0, -0.5, 0.0, 0.7, 1.5, 3.0])
binary_targets = inp("binary_targets", [0.0, 1.0, 0.5, 1.0, 0.0, 1.0])
binary_weight = inp("binary_weight", [1.0, 0.5, 2.0, 1.0, 1.5, 0.25])
positive_weight = inp("positive_weight", [3.0])
kl_target = inp("kl_target", [[0.2, 0.3, 0.5, 0.0], [0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 1.0, 0.0],
                              [0.1, 0.6, 0.2, 0.1], [0.4, 0.4, 0.1, 0.1]])

# MARK: Losses

for reduction in ["mean", "sum", "none"]:
    out(f"mse_{reduction}", F.mse_loss(prediction, target, reduction=reduction))
    out(f"ce_{reduction}", F.cross_entropy(logits, classes, reduction=reduction))
    out(f"ce_smooth_{reduction}", F.cross_entropy(logits, classes, label_smoothing=0.1, reduction=reduction))
    out(f"ce_weight_{reduction}", F.cross_entropy(logits, classes, weight=class_weight, reduction=reduction))
    out(f"ce_weight_smooth_{reduction}",
        F.cross_entropy(logits, classes, weight=class_weight, label_smoothing=0.2, reduction=reduction))
    out(f"ce_ignore_{reduction}", F.cross_entropy(logits, classes, ignore_index=1, reduction=reduction))
    out(f"ce_ignore_smooth_{reduction}",
        F.cross_entropy(logits, classes, ignore_index=1, label_smoothing=0.1, reduction=reduction))
    out(f"ce_soft_{reduction}", F.cross_entropy(logits, soft_targets, reduction=reduction))
    out(f"ce_soft_smooth_{reduction}", F.cross_entropy(logits, soft_targets, label_smoothing=0.3, reduction=reduction))
    out(f"ce_spatial_{reduction}", F.cross_entropy(spatial_logits, spatial_classes, reduction=reduction))
    log_probabilities = F.log_softmax(logits, dim=1)
    out(f"nll_{reduction}", F.nll_loss(log_probabilities, classes, reduction=reduction))
    out(f"nll_weight_{reduction}", F.nll_loss(log_probabilities, classes, weight=class_weight, reduction=reduction))
    out(f"nll_ignore_{reduction}", F.nll_loss(log_probabilities, classes, ignore_index=3, reduction=reduction))
    out(f"bce_logits_{reduction}",
        F.binary_cross_entropy_with_logits(binary_logits, binary_targets, reduction=reduction))
    out(f"bce_logits_weight_{reduction}",
        F.binary_cross_entropy_with_logits(binary_logits, binary_targets, weight=binary_weight, reduction=reduction))
    out(f"bce_logits_pos_weight_{reduction}",
        F.binary_cross_entropy_with_logits(binary_logits, binary_targets, pos_weight=positive_weight,
                                           reduction=reduction))
    probabilities = torch.sigmoid(binary_logits)
    out(f"bce_probabilities_{reduction}", F.binary_cross_entropy(probabilities, binary_targets, reduction=reduction))
    out(f"bce_probabilities_weight_{reduction}",
        F.binary_cross_entropy(probabilities, binary_targets, weight=binary_weight, reduction=reduction))

log_model = F.log_softmax(logits, dim=1)
out("kl_batchmean", F.kl_div(log_model, kl_target, reduction="batchmean"))
out("kl_sum", F.kl_div(log_model, kl_target, reduction="sum"))

# Gradients of two losses with respect to the logits.
x = logits.clone().requires_grad_()
F.cross_entropy(x, classes, weight=class_weight, label_smoothing=0.1).backward()
out("ce_weight_smooth_grad", x.grad)
x = binary_logits.clone().requires_grad_()
F.binary_cross_entropy_with_logits(x, binary_targets, pos_weight=positive_weight).backward()
out("bce_logits_pos_weight_grad", x.grad)

# MARK: Distributions

normal_mean = inp("normal_mean", [0.0, 1.5, -2.0, 0.3])
normal_std = inp("normal_std", [1.0, 0.5, 2.0, 0.1])
normal_value = inp("normal_value", [0.5, 1.0, 1.0, 0.35])
other_mean = inp("other_mean", [0.5, -1.0, -2.0, 0.0])
other_std = inp("other_std", [2.0, 0.5, 1.0, 0.3])
# Broadcast: mean [2, 1] with std [3].
column_mean = inp("column_mean", [[0.0], [1.0]])
row_std = inp("row_std", [0.5, 1.0, 2.0])
grid_value = inp("grid_value", [[0.1, -0.4, 2.0], [1.2, 3.0, -1.0]])

normal = D.Normal(normal_mean, normal_std)
out("normal_log_prob", normal.log_prob(normal_value))
out("normal_cdf", normal.cdf(normal_value))
out("normal_entropy", normal.entropy())
out("normal_kl", D.kl_divergence(normal, D.Normal(other_mean, other_std)))
grid = D.Normal(column_mean, row_std)
out("normal_broadcast_log_prob", grid.log_prob(grid_value))
out("normal_broadcast_cdf", grid.cdf(grid_value))
mean = normal_mean.clone().requires_grad_()
std = normal_std.clone().requires_grad_()
D.Normal(mean, std).log_prob(normal_value).sum().backward()
out("normal_log_prob_grad_mean", mean.grad)
out("normal_log_prob_grad_std", std.grad)

categorical_logits = inp("categorical_logits", [[1.0, 0.0, -1.0, 2.0], [0.3, 0.3, 0.3, -5.0]])
categorical_value = inp("categorical_value", torch.tensor([3, 1]))
categorical = D.Categorical(logits=categorical_logits)
out("categorical_log_prob", categorical.log_prob(categorical_value))
out("categorical_entropy", categorical.entropy())
out("categorical_probabilities", categorical.probs)

concentration = inp("concentration", [[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]])
other_concentration = inp("other_concentration", [[2.0, 2.0, 2.0], [1.0, 3.0, 0.7]])
simplex_value = inp("simplex_value", [[0.2, 0.3, 0.5], [0.05, 0.15, 0.8]])
dirichlet = D.Dirichlet(concentration)
out("dirichlet_log_prob", dirichlet.log_prob(simplex_value))
out("dirichlet_entropy", dirichlet.entropy())
out("dirichlet_mean", dirichlet.mean)
out("dirichlet_kl", D.kl_divergence(dirichlet, D.Dirichlet(other_concentration)))
alpha = concentration.clone().requires_grad_()
D.kl_divergence(D.Dirichlet(alpha), D.Dirichlet(other_concentration)).sum().backward()
out("dirichlet_kl_grad", alpha.grad)

path = pathlib.Path(__file__).resolve().parents[2] / "Tests/NNTests/Fixtures/loss_distribution_reference.json"
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps({"torch": torch.__version__, "inputs": inputs, "expected": expected}, indent=1) + "\n")
print(f"wrote {path} ({len(expected)} values)")
