"""Writes Tests/NNTests/Fixtures/python_written.safetensors with the official `safetensors`
package, so the Swift reader is tested against files PyTorch users actually produce.

Run: /usr/bin/python3 Benchmarks/reference/make_safetensors_fixture.py
The Swift test (SafeTensorsTests.readsFileWrittenByPython) checks the values listed here.
"""

import pathlib

import torch
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests" / "NNTests" / "Fixtures" / "python_written.safetensors"

tensors = {
    # 0.25 * [0, 1, ..., 5] as a 2x3 float32 matrix: exactly representable values.
    "weights.f32": (torch.arange(6, dtype=torch.float32) * 0.25).reshape(2, 3),
    # Values float32 cannot hold exactly: checks no float32 round trip happens.
    "values.f64": torch.tensor([1.0 / 3.0, -2.5e-300, 1e300], dtype=torch.float64),
    # Beyond 2^53 and negative: checks 8-byte integers are copied bit for bit.
    "counts.i64": torch.tensor([[-7, 0], [2**40 + 1, 9007199254740993]], dtype=torch.int64),
    "mask.bool": torch.tensor([True, False, False, True, True], dtype=torch.bool),
    "scalar.f32": torch.tensor(-1.5, dtype=torch.float32),
    "empty.f32": torch.zeros(0, 4, dtype=torch.float32),
}
metadata = {"writer": "python-safetensors", "step": "42", "note": "unicode \u00e9 and \"quotes\""}

save_file(tensors, str(OUT), metadata=metadata)
print(f"wrote {OUT}")
