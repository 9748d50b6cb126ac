"""Binary messages: a JSON header, then raw arrays (heat maps as uint8, numbers as float32).

Layout: a little-endian uint32 with the header's byte length, the UTF-8 JSON header padded with
spaces to a multiple of 4, then each block padded to a multiple of 4 (so the page reads float32
blocks as ``Float32Array`` views without copying). The header lists the blocks as
``[name, dtype, shape, offset, nbytes]`` with offsets from the end of the header.
"""

from __future__ import annotations

import json
import struct

import numpy as np

DTYPES = {"uint8": np.uint8, "float32": np.float32}


def _pad(n: int) -> int:
    return -n % 4


def encode(header: dict, blocks: dict) -> bytes:
    parts, table, offset = [], [], 0
    for name, array in blocks.items():
        array = np.ascontiguousarray(array)
        if array.dtype.name not in DTYPES:
            raise TypeError(f"block {name!r} has dtype {array.dtype}; use uint8 or float32")
        raw = array.tobytes()
        table.append([name, array.dtype.name, list(array.shape), offset, len(raw)])
        parts.append(raw + b"\0" * _pad(len(raw)))
        offset += len(raw) + _pad(len(raw))
    text = json.dumps({**header, "blocks": table}, separators=(",", ":"), allow_nan=False)
    head = text.encode()
    head += b" " * _pad(len(head))
    return struct.pack("<I", len(head)) + head + b"".join(parts)


def decode(data: bytes) -> tuple:
    """``(header, {name: array})``: the inverse of ``encode`` (for tests and tools)."""
    (size,) = struct.unpack_from("<I", data)
    header = json.loads(data[4:4 + size])
    start = 4 + size
    blocks = {}
    for name, dtype, shape, offset, nbytes in header.pop("blocks"):
        raw = data[start + offset:start + offset + nbytes]
        blocks[name] = np.frombuffer(raw, dtype=DTYPES[dtype]).reshape(shape)
    return header, blocks


def signed_bytes(values: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Values in [-scale, scale] as 0..255 (clipped): the page's diverging colour scale."""
    v = np.clip(values / scale, -1.0, 1.0)
    v[np.isnan(v)] = 0.0  # a diverged network's NaN shows as 0; the frame says it diverged
    return np.rint((v + 1.0) * 127.5).astype(np.uint8)


def unit_bytes(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as 0..255 (clipped): probabilities and confidences."""
    v = np.clip(values, 0.0, 1.0)
    v[np.isnan(v)] = 0.0
    return np.rint(v * 255).astype(np.uint8)


def finite(x) -> float | None:
    """A float for JSON, None where it is NaN or infinite (JSON has no such numbers)."""
    x = float(x)
    return x if np.isfinite(x) else None
