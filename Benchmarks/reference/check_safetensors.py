"""Checks a safetensors file written by Penumbra's Swift writer, using the official reader.

Run: /usr/bin/python3 Benchmarks/reference/check_safetensors.py FILE
Exits 0 when every tensor and metadata entry matches what SafeTensorsTests.pythonReadsFileWrittenBySwift
writes, and 1 (listing each mismatch) otherwise.
"""

import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file


def expected_tensors():
    return {
        "layer.weight": (torch.arange(12, dtype=torch.float32) * 0.5 - 3).reshape(3, 4),
        "layer.bias": torch.tensor([1.0 / 3.0, -1e-300, 1e300, 0.0], dtype=torch.float64),
        "counts": torch.tensor([-5, 0, 2**40 + 3, 9007199254740993], dtype=torch.int64),
        "small": torch.tensor([[1, -2, 2147483647]], dtype=torch.int32),
        "bytes": torch.tensor([0, 7, 255], dtype=torch.uint8),
        "mask": torch.tensor([True, False, True], dtype=torch.bool),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(2, 0, dtype=torch.float32),
    }


EXPECTED_METADATA = {"writer": "penumbra", "step": "17", "config": '{"lr": 0.001, "name": "caf\u00e9 \\"x\\""}'}


def main():
    if len(sys.argv) != 2:
        print("usage: check_safetensors.py FILE", file=sys.stderr)
        return 2
    path = sys.argv[1]
    problems = []
    loaded = load_file(path)
    expected = expected_tensors()
    if set(loaded) != set(expected):
        problems.append(f"tensor names {sorted(loaded)} != {sorted(expected)}")
    for name, want in expected.items():
        got = loaded.get(name)
        if got is None:
            continue
        if got.dtype != want.dtype or got.shape != want.shape:
            problems.append(f"{name}: {got.dtype} {tuple(got.shape)} != {want.dtype} {tuple(want.shape)}")
        elif not torch.equal(got, want):
            problems.append(f"{name}: values {got.tolist()} != {want.tolist()}")
    with safe_open(path, framework="pt") as f:
        metadata = f.metadata() or {}
    if metadata != EXPECTED_METADATA:
        problems.append(f"metadata {metadata!r} != {EXPECTED_METADATA!r}")
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"ok: {len(loaded)} tensors and metadata match")
    return 0


if __name__ == "__main__":
    sys.exit(main())
