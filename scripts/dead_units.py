#!/usr/bin/env python3
"""Units that no longer learn, from the optimiser state a checkpoint keeps for resuming:

    /usr/bin/python3 scripts/dead_units.py RUN...

For every run folder (or model.safetensors) of `penumbra np train`, prints the share of bias
entries whose Adam second moment v has decayed below 1e-16 (sqrt(v) < 1e-8): their unit got no
gradient for tens of thousands of steps (v shrinks by 0.999 a step without one), the sign of a
ReLU unit that is off on every input. Shown for the whole model and for each of its top-level
modules. Output biases always learn, so they count among the living.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


def parameter_order(path):
    """Parameter names in the order the optimiser numbers them: the order they were written."""
    with open(path, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    names = [k for k in header if k != "__metadata__" and not k.startswith("optimizer.")]
    return sorted(names, key=lambda k: header[k]["data_offsets"][0])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for run in sys.argv[1:]:
        path = Path(run)
        if path.is_dir():
            path = path / "model.safetensors"
        if not path.is_file():
            sys.exit(f"no checkpoint at {path}: pass the --out folder of `penumbra np train` or its model.safetensors")
        tensors = load_file(str(path))
        dead, total = {}, {}
        for index, name in enumerate(parameter_order(path)):
            state = tensors.get(f"optimizer.0.{index}.exp_avg_sq")
            if not name.endswith("bias") or state is None:
                continue
            module = name.split(".")[0]
            dead[module] = dead.get(module, 0) + int((state < 1e-16).sum())
            total[module] = total.get(module, 0) + state.size
        if not total:
            sys.exit(f"{path} keeps no Adam state (a checkpoint saved without its optimiser)")
        share = sum(dead.values()) / sum(total.values())
        parts = ", ".join(f"{m} {dead[m] / total[m]:.0%}" for m in total)
        print(f"{run}: {share:.0%} of {sum(total.values())} biases without gradient ({parts})")


if __name__ == "__main__":
    main()
