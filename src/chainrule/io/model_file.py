"""Model files: ``save(model, path)`` and ``load(path)``.

The weights and buffers are safetensors tensors named by ``model.state_dict()``'s keys (an
input ``nn.Standardize`` is a layer, so its statistics are tensors too); the header's
metadata holds two JSON texts: ``config``, the architecture (``model.get_config()``), and
``info``, the training record (``model.info``: task, classes, feature names, ...). ``load``
rebuilds the model through ``chainrule.nn.from_config``, which knows only chainrule's own layer
classes, so nothing in a file is ever executed. Never pickle.

Format version 1 kept the task, the classes, the metadata and the input standardizer as
separate JSON fields; such files still load, their standardizer becoming an ``nn.Standardize``
inside the model and the rest the training record.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from chainrule.errors import ChainruleError, ConfigError, ModelFileError
from chainrule.io import container

FORMAT = "chainrule-model"
VERSION = 2  # 2: one "info" record; 1: "task", "classes", "metadata", "standardizer"


def save(model, path, metadata=None):
    """Write ``model`` to ``path`` (a ``.safetensors`` file) atomically; return the path.

    The file holds what the model carries: its layers (an input ``nn.Standardize`` included,
    so the loaded model takes raw data) and its training record ``model.info``. ``metadata``,
    a JSON-able dict, replaces the record's free-form ``metadata`` in the file.
    """
    from chainrule.nn import Module

    get_config = getattr(model, "get_config", None)
    if get_config is None or not isinstance(model, Module):
        raise ConfigError(
            f"cannot save a {type(model).__name__}: a model file stores the architecture as "
            "JSON, which needs a model built from chainrule.nn layers (with get_config())"
        )
    info = model.info
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise ConfigError(f"metadata must be a dict, found {type(metadata).__name__}")
        info = replace(info, metadata=metadata)
    fields = {
        "config": _dumps(get_config(), "the model's get_config()"),
        "info": _dumps(_record(info), "the training record"),
    }
    tensors = {name: np.asarray(a) for name, a in model.state_dict().items()}
    return container.write(path, tensors, fields, FORMAT, VERSION)


def _record(info) -> dict:
    try:
        return info.to_dict()
    except ConfigError as exc:
        raise ConfigError(f"cannot save the training record: {exc}") from exc


def load(path):
    """Rebuild the model saved at ``path``; raise ``ModelFileError`` saying what is wrong.

    The model comes back with its input ``nn.Standardize`` (if it had one) and its training
    record ``model.info``.
    """
    tensors, meta = container.read(path, FORMAT, VERSION)
    return build(tensors, meta, str(path))


def build(tensors: dict, meta: dict, where: str):
    """The model described by a model file's tensors and metadata (shared with checkpoints)."""
    from chainrule import nn

    config = _loads(meta, "config", where, required=True)
    try:
        model = nn.from_config(config)
    except Exception as exc:  # any failure means the file's architecture is unusable
        raise ModelFileError(
            f"{where}: the architecture stored in the file cannot be rebuilt: {exc}"
        ) from exc
    check_state(model, tensors, where)
    model.load_state_dict(tensors)
    for name, module in model.named_modules():
        if isinstance(module, nn.Standardize):
            try:  # a scale of 0 or NaN would turn every prediction into inf or NaN
                module.check()
            except ConfigError as exc:
                raise ModelFileError(f"{where}: corrupted statistics of the Standardize layer "
                                     f"'{name}': {exc}") from exc
    if str(meta.get("version")) == "1":
        model.info = _upgrade_v1(model, meta, where)
        return model
    try:
        model.info = nn.TrainingInfo.from_dict(_loads(meta, "info", where, required=True))
    except ConfigError as exc:
        raise ModelFileError(f"{where}: corrupted training record: {exc}") from exc
    return model


def _upgrade_v1(model, meta: dict, where: str):
    """A version-1 file: its standardizer becomes the model's first layer; the task, classes
    and metadata (with the CLI's "data" and "seed") become the training record."""
    from chainrule import nn
    from chainrule.data import Standardizer
    from chainrule.nn.standardize import attach

    std = _loads(meta, "standardizer", where)
    if std is not None:
        try:
            fitted = Standardizer.from_dict(std)
            attach(model, nn.Standardize(len(fitted.mean_), fitted.mean_, fitted.scale_,
                                         dtype=model.dtype))
        except ChainruleError as exc:
            raise ModelFileError(f"{where}: corrupted standardizer: {exc}") from exc
    metadata = _loads(meta, "metadata", where) or {}
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{where}: corrupted model file: its metadata is not a JSON object")
    dataset = metadata.pop("data") if isinstance(metadata.get("data"), str) else None
    seed = metadata.get("seed")
    seed = metadata.pop("seed") if isinstance(seed, int) and not isinstance(seed, bool) else None
    try:
        return nn.TrainingInfo(task=_loads(meta, "task", where),
                               classes=_loads(meta, "classes", where), dataset=dataset,
                               seed=seed, metadata=metadata)
    except ConfigError as exc:
        raise ModelFileError(f"{where}: corrupted training record: {exc}") from exc


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
