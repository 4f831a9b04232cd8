"""torch.rot90 on dims (2, 3) for k in -1..4 on a non-square batch, written as the fixture of
Tests/SelfSupervisedTests (Rotations.rot90 must match PyTorch's counter-clockwise convention).

    /usr/bin/python3 Benchmarks/reference/rot90_reference.py
"""
import json
import os

import torch

x = torch.arange(2 * 1 * 2 * 3, dtype=torch.float32).view(2, 1, 2, 3)
out = {"input": x.tolist(), "shape": list(x.shape), "rotations": {}}
for k in range(-1, 5):
    r = torch.rot90(x, k, (2, 3))
    out["rotations"][str(k)] = {"shape": list(r.shape), "values": r.flatten().tolist()}
out["torch"] = torch.__version__
path = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "SelfSupervisedTests", "Fixtures", "rot90.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", os.path.normpath(path))
