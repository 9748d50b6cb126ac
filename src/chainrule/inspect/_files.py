"""Atomic file writes: a temporary file in the same directory, fsync, then rename."""

from __future__ import annotations

import os
import tempfile


def write_atomic(path, data) -> None:
    """Write ``data`` (str or bytes) to ``path``; an interrupted write leaves the old file."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
