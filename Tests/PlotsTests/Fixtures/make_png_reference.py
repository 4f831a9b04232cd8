"""The zlib streams PNGImage's IDAT chunks must hold, written to png_reference.json.

Run with Debian's interpreter (the system zlib that Penumbra links):
    /usr/bin/python3 Tests/PlotsTests/Fixtures/make_png_reference.py

For each case it rebuilds PNGTests.swift's testImage, filters every row as PNG.swift does
(of PNG's five filters, the first with the smallest sum of absolute residuals), and records
Python's zlib.compress(scanlines, level): the IDAT data the Swift encoder must write, byte for
byte, at the same level against the same zlib. The scanlines' SHA-256 tells a filter mismatch
from a compression one.
"""
import hashlib
import json
import os
import zlib

FORMATS = {"gray": 1, "grayAlpha": 2, "rgb": 3, "rgba": 4}
CASES = [("gray", 19, 13), ("rgb", 19, 13), ("rgba", 19, 13)]
LEVELS = [0, 1, 6, 9]


def test_image(width, height, fmt):
    """PNGTests.swift's testImage: gradients, flat areas and varied alpha."""
    pixels = bytearray()
    for y in range(height):
        for x in range(width):
            base = [(x * 37) & 0xFF, (y * 11) & 0xFF, 200 if x < width // 2 else (x ^ y) & 0xFF, ((x + y) * 5) & 0xFF]
            pixels += bytes({"gray": base[:1], "grayAlpha": [base[0], base[3]], "rgb": base[:3], "rgba": base}[fmt])
    return bytes(pixels)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def scanlines(pixels, width, height, bpp):
    stride = width * bpp
    out = bytearray()
    for y in range(height):
        row = pixels[y * stride:(y + 1) * stride]
        up = pixels[(y - 1) * stride:y * stride] if y > 0 else bytes(stride)
        best_type, best_row, best_score = 0, None, None
        for kind in range(5):
            filtered = bytearray()
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b = up[i]
                c = up[i - bpp] if i >= bpp else 0
                predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
                filtered.append((row[i] - predictor) & 0xFF)
            score = sum(v if v < 128 else 256 - v for v in filtered)
            if best_score is None or score < best_score:
                best_type, best_row, best_score = kind, filtered, score
        out.append(best_type)
        out += best_row
    return bytes(out)


cases = []
for fmt, width, height in CASES:
    raw = scanlines(test_image(width, height, fmt), width, height, FORMATS[fmt])
    cases.append({
        "format": fmt, "width": width, "height": height,
        "scanlines_sha256": hashlib.sha256(raw).hexdigest(),
        "idat": {str(level): zlib.compress(raw, level).hex() for level in LEVELS},
    })

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "png_reference.json")
with open(path, "w") as f:
    json.dump({"zlib_version": zlib.ZLIB_RUNTIME_VERSION, "cases": cases}, f, indent=1)
    f.write("\n")
print(f"wrote {path} (zlib {zlib.ZLIB_RUNTIME_VERSION})")
