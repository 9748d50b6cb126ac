"""Read a chainrule model as a flat list of layers, the one shape every exporter understands.

PyTorch's ``nn.Sequential`` and an ONNX graph are both chains of layers; a chainrule model that
is a ``Sequential`` (nested or not), an ``MLP``, or a single layer flattens to such a chain.
Anything else (a custom ``forward``) cannot be written down as a chain, and says so by name.
An input ``nn.Standardize`` (the first layer) is folded into the first Linear.
"""

from __future__ import annotations

import numpy as np

from chainrule import activations, nn
from chainrule.errors import ConfigError

# Layers an exporter can translate: Linear, Dropout and every registered activation (each
# exporter reads the activation's torch/ONNX twin from its registry entry).
EXPORTABLE = (nn.Linear, nn.Dropout, nn.ActivationModule)


def _exportable_names() -> str:
    return ", ".join(["Linear", "Dropout", *(a.module for a in activations.all_activations())])


def as_module(model):
    """The chainrule module inside ``model`` (a module, or a fitted estimator's ``model_``)."""
    if isinstance(model, nn.Module):
        return model
    inner = getattr(model, "model_", None)
    if isinstance(inner, nn.Module):
        return inner
    raise ConfigError(
        f"expected a chainrule model (a chainrule.nn.Module or a fitted chainrule.sklearn "
        f"estimator), found {type(model).__name__}"
    )


def _children(module):
    """``[(name, sub-layer), ...]`` a container applies in order, or None for a leaf layer."""
    if isinstance(module, nn.Sequential):
        return list(module.named_children())
    if isinstance(module, nn.MLP):
        return [("layers", module.layers)]
    return None


def flatten(model) -> list:
    """``[(path, layer), ...]`` in the order the model applies them; raises on anything else."""
    out = []

    def walk(module, path):
        children = _children(module)
        if children is not None:
            for name, child in children:
                walk(child, f"{path}.{name}" if path else name)
            return
        kind = type(module).__name__
        if isinstance(module, nn.Standardize):
            if out:
                raise ConfigError(
                    f"cannot export the Standardize at '{path}': only a Standardize applied "
                    "first, to the raw inputs, can be exported (folded into the first Linear)"
                )
            out.append((path or kind, module))
            return
        if not isinstance(module, EXPORTABLE):
            where = f" at '{path}'" if path else ""
            raise ConfigError(
                f"cannot export layer {kind}{where}: only Sequential/MLP stacks of "
                f"{_exportable_names()} can be exported; rewrite the model as such a stack"
            )
        out.append((path or kind, module))

    walk(as_module(model), "")
    if not any(isinstance(m, nn.Linear) for _, m in out):
        raise ConfigError("the model has no Linear layer: there is nothing to export")
    return out


def input_features(layers) -> int:
    """The width of the model's input: the first Linear's ``in_features``."""
    for _, m in layers:
        if isinstance(m, nn.Linear):
            return m.in_features
    raise ConfigError("the model has no Linear layer: its input width is unknown")


def dtype_of(layers):
    """The parameters' dtype (all parameters of an exported model must share one)."""
    dtypes = {m.weight.data.dtype for _, m in layers if isinstance(m, nn.Linear)}
    dtypes |= {m.bias.data.dtype for _, m in layers
               if isinstance(m, nn.Linear) and m.bias is not None}
    if len(dtypes) != 1:
        raise ConfigError(
            f"the model mixes parameter dtypes {sorted(str(d) for d in dtypes)}; convert it "
            "with model.float() or model.double() before exporting"
        )
    return dtypes.pop()


def export_layers(model, standardize: bool = True) -> list:
    """``flatten(model)`` without its input ``Standardize``, which is folded into the first
    Linear (``standardize=False``: dropped, for the bare network).

    A model trained by ``chainrule.fit(..., standardize=True)`` (or loaded from its file) starts
    with an ``nn.Standardize``, so ``model(X)`` and ``chainrule.predict`` take raw inputs.
    Folding it, W' = W / scale and b' = b - W' @ mean, makes the exported model take the same
    raw inputs.
    """
    layers = flatten(model)
    if not isinstance(layers[0][1], nn.Standardize):
        return layers
    std, layers = layers[0][1], layers[1:]
    if not standardize:
        return layers
    path, first = layers[0]
    if not isinstance(first, nn.Linear):
        raise ConfigError(
            f"cannot fold the model's input Standardize into {type(first).__name__} (the "
            "layer after it must be a Linear); export with standardize=False and scale the "
            "inputs yourself"
        )
    mean, scale = std.mean, std.scale
    if mean.shape != (first.in_features,):
        raise ConfigError(f"the model's Standardize has {mean.size} features, its first "
                          f"layer takes {first.in_features}")
    dtype = first.weight.data.dtype
    w = first.weight.data.astype(np.float64) / scale
    b = first.bias.data.astype(np.float64) if first.bias is not None else 0.0
    folded = nn.Linear(first.in_features, first.out_features, bias=True, seed=0, dtype=dtype)
    folded.weight.data[...] = w
    folded.bias.data[...] = b - w @ mean
    return [(path, folded), *layers[1:]]
