"""A PyTorch model file that is not a pickle: safetensors weights plus a JSON layer list.

``torch.save``/``torch.load`` pickle Python objects, and loading a pickle can run code; TorchScript
(``torch.jit``) is deprecated. So ``save_torch`` writes the weights of ``to_torch(model)`` under
their ``state_dict`` names ("0.weight", "0.bias", ...) into a safetensors file and the layer
list into its header (``{"type": "Linear", "in_features": 4, ...}``, torch's class names and
constructor arguments). ``load_torch`` rebuilds the ``torch.nn.Sequential`` from that, and so can
ten lines of plain PyTorch (see docs/interop.md). Nothing in the file is ever executed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from chainrule import nn
from chainrule.errors import ConfigError, ModelFileError, require
from chainrule.interop._layers import dtype_of, export_layers
from chainrule.interop.torch_bridge import torch_class, torch_twin

FORMAT = "chainrule-torch"
VERSION = "1"


def _spec(layer) -> dict:
    if isinstance(layer, nn.Linear):
        return {"type": "Linear", "in_features": layer.in_features,
                "out_features": layer.out_features, "bias": layer.bias is not None}
    name, kwargs = torch_twin(layer)
    return {"type": name, **kwargs}


def save_torch(model, path, standardize: bool = True) -> Path:
    """Write ``model`` as a PyTorch Sequential file (safetensors, no pickle); return the path.

    ``standardize`` folds the model's input ``nn.Standardize`` in, as ``to_torch`` does.
    """
    st = require("safetensors.numpy", "io")
    from chainrule.io.atomic import atomic_write

    layers = export_layers(model, standardize)
    dtype = np.dtype(dtype_of(layers))
    if dtype not in (np.float32, np.float64):
        raise ConfigError(f"PyTorch export supports float32 and float64 models, found {dtype}")
    tensors, specs = {}, []
    for i, (_, layer) in enumerate(layers):
        specs.append(_spec(layer))
        if isinstance(layer, nn.Linear):
            tensors[f"{i}.weight"] = np.ascontiguousarray(layer.weight.data)
            if layer.bias is not None:
                tensors[f"{i}.bias"] = np.ascontiguousarray(layer.bias.data)
    meta = {"format": FORMAT, "version": VERSION, "dtype": dtype.name,
            "layers": json.dumps(specs)}
    try:
        return atomic_write(path, st.save(tensors, metadata=meta))
    except OSError as exc:
        raise ModelFileError(
            f"cannot write PyTorch file {path}: {exc.strerror or exc}; check that the folder "
            "exists and is writable"
        ) from exc


def _bad(path, what):
    return ModelFileError(f"{path} is not a chainrule PyTorch file ({what}); write one with "
                          "chainrule export MODEL --format torch")


def load_torch(path):
    """The ``torch.nn.Sequential`` stored by ``save_torch`` (weights, dtype and layers)."""
    torch = require("torch", "torch")
    require("safetensors", "io")
    from safetensors import SafetensorError, safe_open

    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"PyTorch file not found: {path}")
    try:
        with safe_open(str(p), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise _bad(path, f"unreadable: {exc}") from exc
    if meta.get("format") != FORMAT:
        raise _bad(path, f"format {meta.get('format')!r}")
    if meta.get("version") != VERSION:
        raise _bad(path, f"version {meta.get('version')!r}, this chainrule reads {VERSION}")
    try:
        specs = json.loads(meta["layers"])
        modules = []
        for spec in specs:
            kwargs = dict(spec)
            kind = kwargs.pop("type")
            modules.append(torch_class(kind)(**kwargs))
        model = torch.nn.Sequential(*modules).to(getattr(torch, meta.get("dtype", "float32")))
        model.load_state_dict(state)
    except (KeyError, TypeError, AttributeError, RuntimeError, ValueError, ConfigError) as exc:
        raise _bad(path, f"its layer list does not match its weights: {exc}") from exc
    return model.eval()

