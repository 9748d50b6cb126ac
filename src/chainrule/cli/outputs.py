"""What the commands write: the files of a run folder, and one way to write any file.

Every file is written atomically (``io.atomic``); a failure is one ``ConfigError`` line that
names the file and the reason.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np

from chainrule.errors import ConfigError, MissingExtraError

# The files of a ``chainrule train`` run folder.
MODEL = "model.safetensors"
CHECKPOINT = "checkpoint.safetensors"
METRICS = "metrics.json"
PLOT = "loss.png"


def write_file(path, data) -> None:
    """Write ``data`` (text or bytes) to ``path`` atomically."""
    from chainrule.io.atomic import atomic_write

    try:
        atomic_write(path, data)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def run_folder(out, resume) -> Path:
    """Where a run writes: ``--out``, else the ``--resume`` folder, else runs/<timestamp>."""
    if out:
        return Path(out)
    return Path(resume) if resume else timestamped(Path("runs"))


def timestamped(parent: Path) -> Path:
    """``parent``/YYYYmmdd-HHMMSS, with -2, -3, ... if that folder already exists."""
    base = parent / datetime.now().strftime("%Y%m%d-%H%M%S")
    path, n = base, 1
    while path.exists():
        n += 1
        path = Path(f"{base}-{n}")
    return path


def make_folder(path: Path) -> None:
    """Create the output folder, or say in one line why it cannot be written."""
    from chainrule.io.atomic import writable_folder

    writable_folder(path, "the output folder")


def write_run(out: Path, model, history, summary: dict, printer) -> list:
    """Write the model file, metrics.json and loss.png (when matplotlib is installed) to
    ``out``; return the names of the run's files (the checkpoint was written by training)."""
    import chainrule as cr

    cr.save(model, out / MODEL)
    written = [MODEL, CHECKPOINT]
    write_file(out / METRICS, json.dumps(json_safe(summary), indent=2) + "\n")
    written.append(METRICS)
    try:
        history.plot(out / PLOT, names=("train", "test"))
        written.append(PLOT)
    except MissingExtraError:
        printer.note(f"{PLOT} skipped: matplotlib is not installed "
                     "(pip install 'chainrule[plot]')")
    return written


def json_safe(value):
    """NaN/inf are not JSON: write them as null."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value
