"""The file container shared by model files and checkpoints: safetensors plus JSON metadata.

A safetensors file is an 8-byte little-endian header length, a JSON header (tensor names,
dtypes, shapes, byte offsets, and a ``__metadata__`` dict of strings), then the raw tensor
bytes. We parse the header ourselves before handing the bytes to safetensors, so a bad file
gets a message that says what is wrong with it. A SHA-256 of the tensors in the metadata
catches corruption of the raw bytes, which the format itself cannot see. No code is ever
executed from a file: the header is JSON and the tensors are plain numbers.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

import numpy as np

from chainrule.errors import ModelFileError, require
from chainrule.io.atomic import atomic_write

# A header longer than this is not one of ours (ours are a few kilobytes).
_MAX_HEADER = 100 * 2**20

KINDS = {"chainrule-model": "model file", "chainrule-checkpoint": "training checkpoint"}


def checksum(tensors: dict) -> str:
    """SHA-256 over the tensors' names, dtypes, shapes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(tensors):
        a = _contiguous(tensors[name])
        h.update(f"{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.data)  # a buffer, no copy
    return h.hexdigest()


def _contiguous(a) -> np.ndarray:
    # Not np.ascontiguousarray: it turns a 0-d array into shape (1,).
    a = np.asarray(a)
    return a if a.flags.c_contiguous else a.copy(order="C")


def pack(tensors: dict, fields: dict, fmt: str, version: int) -> bytes:
    """Serialise ``tensors`` (name -> ndarray) with ``fields`` (name -> str) as metadata."""
    st = require("safetensors.numpy", "io")
    tensors = {k: _contiguous(v) for k, v in tensors.items()}
    meta = {"format": fmt, "version": str(version), "sha256": checksum(tensors), **fields}
    return st.save(tensors, metadata=meta)


def write(path, tensors: dict, fields: dict, fmt: str, version: int) -> Path:
    """``pack`` and write atomically; a failure to write is a ``ModelFileError``."""
    data = pack(tensors, fields, fmt, version)
    try:
        return atomic_write(path, data)
    except OSError as exc:
        raise ModelFileError(
            f"cannot write {KINDS[fmt]} {path}: {exc.strerror or exc}; check that the folder "
            "exists and is writable"
        ) from exc


def read(path, fmt: str, version: int):
    """Read a file written by ``write``; return ``(tensors, fields)`` or raise ModelFileError."""
    kind = KINDS[fmt]
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"{kind} not found: {path}")
    if p.is_dir():
        raise ModelFileError(f"{path} is a folder, not a {kind}")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return unpack(data, os.fspath(path), fmt, version)


def unpack(data: bytes, where: str, fmt: str, version: int):
    kind = KINDS[fmt]
    header, body = _split(data, where, kind)
    meta = header.pop("__metadata__", None)
    if not isinstance(meta, dict) or "format" not in meta:
        raise ModelFileError(
            f"{where}: a safetensors file, but not a chainrule {kind} (its header has no "
            "chainrule metadata); write one with "
            + ("chainrule.save(model, path)" if fmt == "chainrule-model" else "ModelCheckpoint")
        )
    found = meta.get("format")
    if found != fmt:
        other = KINDS.get(found)
        hint = (f"it is a chainrule {other}" if other else f"its format is {found!r}")
        raise ModelFileError(f"{where}: not a chainrule {kind}: {hint}")
    try:
        file_version = int(meta.get("version", ""))
    except ValueError:
        raise ModelFileError(
            f"{where}: corrupted {kind}: version {meta.get('version')!r} is not a number"
        ) from None
    if file_version > version:
        raise ModelFileError(
            f"{where}: written by a newer version of chainrule ({kind} format version "
            f"{file_version}; this chainrule reads version {version}); upgrade chainrule"
        )
    if file_version < 1:
        raise ModelFileError(f"{where}: corrupted {kind}: unknown format version {file_version}")
    _check_layout(header, body, where, kind)
    st = require("safetensors.numpy", "io")
    try:
        tensors = st.load(data)
    except Exception as exc:  # safetensors raises its own SafetensorError and others
        raise ModelFileError(f"{where}: corrupted {kind}: {exc}") from exc
    if meta.get("sha256") != checksum(tensors):
        raise ModelFileError(
            f"{where}: corrupted {kind}: the tensor data does not match the checksum stored "
            "with it (the file was damaged after it was written)"
        )
    return tensors, meta


def _split(data: bytes, where: str, kind: str):
    """Parse the length prefix and the JSON header; return (header dict, body bytes)."""
    if len(data) < 8:
        raise ModelFileError(
            f"{where}: truncated or not a safetensors file: only {len(data)} bytes (a "
            f"chainrule {kind} starts with an 8-byte header length)"
        )
    (n,) = struct.unpack("<Q", data[:8])
    starts_like_json = data[8:9] == b"{"
    if not starts_like_json or n < 2 or n > _MAX_HEADER:
        raise ModelFileError(
            f"{where}: not a safetensors file (it does not start with a safetensors header); "
            f"expected a chainrule {kind}"
        )
    if 8 + n > len(data):
        raise ModelFileError(
            f"{where}: truncated {kind}: its header alone should be {n} bytes, but the file "
            f"ends after {len(data) - 8}"
        )
    try:
        header = json.loads(data[8:8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{where}: corrupted {kind}: its header is not valid JSON ({exc})"
        ) from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{where}: corrupted {kind}: its header is not a JSON object")
    return header, data[8 + n:]


def _check_layout(header: dict, body: bytes, where: str, kind: str) -> None:
    end = 0
    for name, info in header.items():
        try:
            lo, hi = info["data_offsets"]
            end = max(end, int(hi))
        except (TypeError, KeyError, ValueError):
            raise ModelFileError(
                f"{where}: corrupted {kind}: tensor {name!r} has no valid data offsets"
            ) from None
    if end > len(body):
        raise ModelFileError(
            f"{where}: truncated {kind}: the header promises {end} bytes of tensor data, but "
            f"the file holds only {len(body)}; the file was cut short (an interrupted copy?)"
        )
    if end < len(body):
        raise ModelFileError(
            f"{where}: corrupted {kind}: {len(body) - end} unexpected bytes after the tensor data"
        )
