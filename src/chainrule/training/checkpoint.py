"""Training checkpoints: the full state of a run in one safetensors file, written atomically.

Arrays (weights and the model's buffers, optimizer buffers, best weights kept by
EarlyStopping, ...) are stored as safetensors tensors named by where they sit in the state;
everything else (epoch, history, optimizer hyper-parameters, random-generator states,
data-loader position, architecture, the model's training record) is one JSON text in the
header. Python types JSON cannot express (tuples, dicts with integer keys, NumPy scalars)
are tagged so they come back exactly: a resumed run must compute with the very same values
and types as an uninterrupted one. Version 1 checkpoints (the standardizer, task and classes
as separate entries) are still read.
"""

from __future__ import annotations

import json

import numpy as np

from chainrule.errors import ConfigError, ModelFileError
from chainrule.io import container

FORMAT = "chainrule-checkpoint"
VERSION = 2  # 2: the model's buffers in "model", one "info" record


def save_checkpoint(path, state: dict):
    """Write ``state`` (JSON-able values and NumPy arrays, nested) to ``path`` atomically."""
    tensors = {}
    tree = _encode(state, "", tensors)
    return container.write(path, tensors, {"state": json.dumps(tree)}, FORMAT, VERSION)


def load_checkpoint(path) -> dict:
    """The state saved by ``save_checkpoint``; ``ModelFileError`` if the file is unusable."""
    tensors, meta = container.read(path, FORMAT, VERSION)
    try:
        tree = json.loads(meta["state"])
        return _decode(tree, tensors)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: corrupted training checkpoint: {exc}") from exc


def model_from_checkpoint(path):
    """The model at the checkpoint's epoch, rebuilt from the architecture stored in it."""
    from chainrule.io.model_file import build

    state = load_checkpoint(path)
    if "config" not in state:
        raise ModelFileError(
            f"{path}: this checkpoint has no stored architecture (the model had no "
            "get_config()); build the model yourself and pass resume= to fit"
        )
    if "info" in state:
        meta = {"version": "2", "config": json.dumps(state["config"]),
                "info": json.dumps(state["info"])}
    else:  # version 1: the fields of a version-1 model file
        meta = {"version": "1", "config": json.dumps(state["config"]),
                "classes": json.dumps(state.get("classes")),
                "task": json.dumps(state.get("task"))}
        if state.get("standardizer") is not None:
            meta["standardizer"] = json.dumps(state["standardizer"])
    return build(state["model"], meta, str(path))


def model_state(model, state: dict, where: str) -> dict:
    """The checkpoint's tensors for ``model``; a version-1 checkpoint kept its standardizer
    apart, so its statistics go to the model's input ``nn.Standardize`` here."""
    from chainrule.nn.standardize import input_standardize

    tensors = dict(state["model"])
    legacy = state.get("standardizer")
    if legacy is None:
        return tensors
    layer = input_standardize(model)
    if layer is None:
        raise ModelFileError(f"{where}: the checkpoint's model standardizes its inputs; "
                             "resume it with fit(..., standardize=True)")
    prefix = next(name for name, m in model.named_modules() if m is layer)
    for key in ("mean", "scale"):
        tensors[f"{prefix}.{key}" if prefix else key] = np.asarray(legacy[key], np.float64)
    return tensors


def training_info(state: dict, where: str):
    """The model's training record stored in a checkpoint (version 1: its task and classes)."""
    from chainrule.nn.info import TrainingInfo

    try:
        if "info" in state:
            return TrainingInfo.from_dict(state["info"])
        return TrainingInfo(task=state.get("task"), classes=state.get("classes"))
    except ConfigError as exc:
        raise ModelFileError(f"{where}: corrupted training record: {exc}") from exc


# ----- the JSON encoding of a state tree


def _encode(value, path: str, tensors: dict):
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise ConfigError(f"cannot checkpoint {path or 'a value'}: arrays of dtype "
                              f"{value.dtype} are not numbers")
        name = path or "value"
        while name in tensors:  # paths are unique; this only guards odd key spellings
            name += "_"
        tensors[name] = value
        return {"__array__": name}
    if isinstance(value, np.generic):
        return {"__scalar__": value.dtype.str, "value": value.item()}
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, dict):
        plain = all(isinstance(k, str) and not k.startswith("__") for k in value)
        if plain:
            return {k: _encode(v, f"{path}/{k}" if path else k, tensors)
                    for k, v in value.items()}
        return {"__dict__": [[_encode(k, f"{path}/key", tensors),
                              _encode(v, f"{path}/{k}" if path else str(k), tensors)]
                             for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, f"{path}/{i}", tensors) for i, v in enumerate(value)]}
    if isinstance(value, list):
        return [_encode(v, f"{path}/{i}", tensors) for i, v in enumerate(value)]
    raise ConfigError(f"cannot checkpoint {path or 'a value'}: a {type(value).__name__} is not "
                      "a number, text, list, dict or NumPy array")


def _decode(value, tensors: dict):
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if "__array__" in value:
        # A private, writable copy: optimizer buffers are updated in place.
        return np.array(tensors[value["__array__"]], copy=True)
    if "__scalar__" in value:
        return np.dtype(value["__scalar__"]).type(value["value"])
    if "__tuple__" in value:
        return tuple(_decode(v, tensors) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_decode(k, tensors): _decode(v, tensors) for k, v in value["__dict__"]}
    return {k: _decode(v, tensors) for k, v in value.items()}
