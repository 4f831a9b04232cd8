"""Reference outputs of the official SDE-Net MNIST model for Tests/UncertaintyTests/SDENetTests.swift.

Needs the official model file, models/sdenet_mnist.py of github.com/Lingkai-Kong/SDE-Net (MNIST
folder; not copied here). Run with Debian's interpreter (it sees python3-torch):

    /usr/bin/python3 Benchmarks/reference/sdenet_reference.py PATH/TO/sdenet_mnist.py

Builds SDENet_mnist(layer_depth=3, dim=8) from a fixed seed and writes
Benchmarks/reference/sdenet_reference.safetensors (next to this script): its state dict (ConcatConv2d's
`_layer` renamed `layer`, as Penumbra names it), a batch of inputs and labels, and, with
sigma = 0 so a pass is deterministic, the logits and diffusion outputs before and after two
steps of the training script's drift optimiser (SGD lr 0.1, momentum 0.9, weight decay 5e-4).
"""

import importlib.util
import pathlib
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = pathlib.Path(__file__).resolve().with_suffix(".safetensors")

spec = importlib.util.spec_from_file_location("sdenet_mnist", sys.argv[1])
official = importlib.util.module_from_spec(spec)
spec.loader.exec_module(official)

torch.manual_seed(0)
net = official.SDENet_mnist(layer_depth=3, num_classes=10, dim=8)
net.sigma = 0.0
state = {k.replace("._layer.", ".layer."): v.detach().clone() for k, v in net.state_dict().items()}
x = torch.rand(4, 1, 28, 28)
labels = torch.tensor([3, 1, 4, 1])

out = {f"state.{k}": v for k, v in state.items()}
out["input"] = x
out["labels"] = labels
with torch.no_grad():
    out["logits"] = net(x)
    out["diffusion"] = net(x, training_diffusion=True)

# The training script's optimizer_F, two cross-entropy steps (deterministic with sigma = 0).
optimizer_f = torch.optim.SGD(
    [{"params": net.downsampling_layers.parameters()}, {"params": net.drift.parameters()},
     {"params": net.fc_layers.parameters()}], lr=0.1, momentum=0.9, weight_decay=5e-4)
for _ in range(2):
    optimizer_f.zero_grad()
    F.cross_entropy(net(x), labels).backward()
    optimizer_f.step()
with torch.no_grad():
    out["logits_after_two_steps"] = net(x)

save_file({k: v.contiguous() for k, v in out.items()}, str(OUT))
print(f"wrote {OUT} ({len(state)} state tensors)")
