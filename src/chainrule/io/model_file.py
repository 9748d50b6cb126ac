"""Model files: ``save(model, path)`` and ``load(path)``.

The weights are safetensors tensors named by ``model.state_dict()``'s keys; the header's
metadata holds the architecture (``model.get_config()``), the task, the class names, the input
standardizer and free-form metadata, each as JSON text. ``load`` rebuilds the model from the
JSON through ``chainrule.nn.from_config``, which knows only chainrule's own layer classes, so
nothing in a file is ever executed. Never pickle.
"""

from __future__ import annotations

import json

import numpy as np

from chainrule.errors import ConfigError, ModelFileError
from chainrule.io import container

FORMAT = "chainrule-model"
VERSION = 1


def save(model, path, metadata=None, *, standardizer=None, classes=None, task=None):
    """Write ``model`` to ``path`` (a ``.safetensors`` file) atomically; return the path.

    ``standardizer``, ``classes`` and ``task`` default to the model's attributes of the same
    name (``fit`` sets them), so a model trained on standardized inputs keeps its scaling and
    ``predict`` takes raw data. ``metadata`` is any JSON-able dict (training history, data set
    name, ...); it comes back as ``model.metadata``.
    """
    get_config = getattr(model, "get_config", None)
    if get_config is None:
        raise ConfigError(
            f"cannot save a {type(model).__name__}: a model file stores the architecture as "
            "JSON, which needs a model built from chainrule.nn layers (with get_config())"
        )
    standardizer = standardizer if standardizer is not None else getattr(
        model, "standardizer", None)
    classes = classes if classes is not None else getattr(model, "classes", None)
    task = task if task is not None else getattr(model, "task", None)
    metadata = metadata if metadata is not None else getattr(model, "metadata", None)
    fields = {
        "config": _dumps(get_config(), "the model's get_config()"),
        "classes": _dumps(None if classes is None else [str(c) for c in classes], "classes"),
        "task": _dumps(task, "task"),
        "metadata": _dumps(metadata or {}, "metadata"),
    }
    if standardizer is not None:
        fields["standardizer"] = _dumps(standardizer.to_dict(), "the standardizer")
    tensors = {name: np.asarray(a) for name, a in model.state_dict().items()}
    return container.write(path, tensors, fields, FORMAT, VERSION)


def load(path):
    """Rebuild the model saved at ``path``; raise ``ModelFileError`` saying what is wrong.

    The model comes back with ``.task``, ``.classes``, ``.standardizer`` (or None) and
    ``.metadata`` attributes set from the file.
    """
    tensors, meta = container.read(path, FORMAT, VERSION)
    return build(tensors, meta, str(path))


def build(tensors: dict, meta: dict, where: str):
    """The model described by a model file's tensors and metadata (shared with checkpoints)."""
    from chainrule import nn
    from chainrule.data import Standardizer

    config = _loads(meta, "config", where, required=True)
    try:
        model = nn.from_config(config)
    except Exception as exc:  # any failure means the file's architecture is unusable
        raise ModelFileError(
            f"{where}: the architecture stored in the file cannot be rebuilt: {exc}"
        ) from exc
    check_state(model, tensors, where)
    model.load_state_dict(tensors)
    std = _loads(meta, "standardizer", where)
    try:
        model.standardizer = None if std is None else Standardizer.from_dict(std)
    except Exception as exc:
        raise ModelFileError(f"{where}: corrupted standardizer: {exc}") from exc
    model.classes = _loads(meta, "classes", where)
    model.task = _loads(meta, "task", where)
    model.metadata = _loads(meta, "metadata", where) or {}
    return model


def check_state(model, tensors: dict, where: str) -> None:
    """Every tensor the architecture needs is present, with its shape; nothing else is."""
    expected = model.state_dict()
    for name, value in expected.items():
        if name not in tensors:
            raise ModelFileError(
                f"{where}: missing tensor {name!r} that the stored architecture needs"
            )
        if tuple(tensors[name].shape) != tuple(np.shape(value)):
            raise ModelFileError(
                f"{where}: tensor {name!r} has shape {tuple(tensors[name].shape)}, but the "
                f"stored architecture needs {tuple(np.shape(value))}"
            )
    extra = sorted(set(tensors) - set(expected))
    if extra:
        raise ModelFileError(
            f"{where}: unexpected tensor {extra[0]!r} that the stored architecture does not have"
        )


def _dumps(value, what: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"cannot save {what}: it must be JSON-able ({exc})") from exc


def _loads(meta: dict, key: str, where: str, required: bool = False):
    text = meta.get(key)
    if text is None:
        if required:
            raise ModelFileError(f"{where}: corrupted model file: no {key!r} in its metadata")
        return None
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ModelFileError(
            f"{where}: corrupted model file: its {key!r} is not valid JSON ({exc})"
        ) from None
