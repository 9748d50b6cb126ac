"""Atomic file writes: a crash or a kill mid-write never destroys the last good file.

The bytes go to a temporary file in the destination's directory (same file system, so the
final rename is atomic), are flushed and fsynced, then ``os.replace`` swaps them in and the
directory is fsynced so the rename itself survives a power cut.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from chainrule.errors import ConfigError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, data: bytes | str, parents: bool = False) -> Path:
    """Write ``data`` (bytes, or text encoded as UTF-8) to ``path`` atomically; return the path.

    Readers see either the old file or the complete new one, never a partial write.
    ``parents=True`` creates missing folders first; otherwise a missing or unwritable folder
    raises ``OSError``.
    """
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = path.parent if str(path.parent) else Path(".")
    if parents:
        directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(directory)
    return path


def writable_folder(path, who: str) -> Path:
    """Create ``path`` if needed and check it can be written, before any work is done.

    Raises ``ConfigError`` naming ``who`` wants it (e.g. "the output folder") and why not.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {who} {path}: {exc.strerror or exc}") from exc
    if not os.access(path, os.W_OK):
        raise ConfigError(f"{who} {path} is not writable")
    return path


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms (Windows) cannot open a directory; the rename stands
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
