"""gzip files written by Python's gzip module, for ReaderTests.swift.

Run with Debian's interpreter:
    /usr/bin/python3 Tests/ImageDataTests/Fixtures/make_gzip_reference.py

Both hold the same IDX image file: 25 images of 28x28 whose pixels are ReaderTests.swift's
sampleBytes(19600, seed: 7).
  python-images-idx3-ubyte.gz       one member, level 9, the file name in the header (FNAME)
  python-multimember-idx3-ubyte.gz  the file cut at byte 10,000 into two members (levels 1
                                    and 6) written one after the other, as `cat a.gz b.gz` does
Modification times are 0, so the script writes the same bytes on every run.
"""
import gzip
import io
import os
import struct

COUNT, ROWS, COLUMNS, SEED = 25, 28, 28, 7


def sample_bytes(n, seed):
    """ReaderTests.swift's sampleBytes: runs and repeats, deterministic."""
    return bytes(((i // 7) * 31 + seed * 17 + (i * 13 if i % 5 == 0 else 0)) & 0xFF for i in range(n))


idx = struct.pack(">IIII", 0x00000803, COUNT, ROWS, COLUMNS) + sample_bytes(COUNT * ROWS * COLUMNS, SEED)
here = os.path.dirname(os.path.abspath(__file__))

single = io.BytesIO()
with gzip.GzipFile(filename="python-images-idx3-ubyte", mode="wb", compresslevel=9, fileobj=single, mtime=0) as f:
    f.write(idx)
multi = gzip.compress(idx[:10_000], compresslevel=1, mtime=0) + gzip.compress(idx[10_000:], compresslevel=6, mtime=0)

for name, data in [("python-images-idx3-ubyte.gz", single.getvalue()), ("python-multimember-idx3-ubyte.gz", multi)]:
    assert gzip.decompress(data) == idx
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
    print(f"wrote {name}: {len(data)} bytes for {len(idx)}")
