"""What closed_form_check and manual mode need from a model: its layers, in order, as kinds."""

from __future__ import annotations

import numpy as np

from chainrule.errors import ConfigError


def layers_of(model) -> list:
    """The modules of an MLP, a Sequential (nested ones flattened) or a list of modules."""
    from chainrule import nn

    if isinstance(model, nn.MLP):
        return layers_of(model.layers)
    if isinstance(model, nn.Sequential) or isinstance(model, (list, tuple)):
        out = []
        for m in model:
            out.extend(layers_of(m) if isinstance(m, (nn.Sequential, nn.MLP)) else [m])
        return out
    if isinstance(model, nn.Module):
        return [model]
    raise ConfigError(
        f"expected an MLP, a Sequential or a list of modules, found {type(model).__name__}")


def kind(module) -> tuple:
    """('affine', W, b) | ('standardize', mean, scale) | ('activation', Activation, options)
    | ('unknown', class name).

    Dropout (always run in eval mode here) is the identity; every activation module names its
    registry entry, whose textbook forms the closed-form check and manual backprop use."""
    from chainrule import activations, nn

    if isinstance(module, nn.Linear):
        b = None if module.bias is None else module.bias.data
        return ("affine", module.weight.data, b)
    if isinstance(module, nn.Standardize):  # (x - mean) / scale: affine, with no parameters
        return ("standardize", module.mean, module.scale)
    if isinstance(module, nn.Dropout):
        return ("activation", activations.IDENTITY, {})
    if isinstance(module, nn.ActivationModule) and module.activation.has_textbook_backward:
        return ("activation", module.activation, module.options)
    return ("unknown", type(module).__name__)


def as_targets(y, rows: int, classes: int, dtype) -> np.ndarray:
    """Labels (N,) or rows (N, C) -> one-hot / probability rows (N, C)."""
    y = np.asarray(y.data if hasattr(y, "data") else y)
    if y.dtype.kind in "iub":
        labels = y.reshape(-1)
        if labels.shape[0] != rows or (labels.size and (labels.min() < 0
                                                         or labels.max() >= classes)):
            raise ConfigError(f"expected {rows} class labels in [0, {classes - 1}], "
                              f"found shape {y.shape} with values {labels.min()}..{labels.max()}")
        out = np.zeros((rows, classes), dtype)
        out[np.arange(rows), labels] = 1
        return out
    return y.reshape(rows, classes).astype(dtype)


class eval_mode:
    """Run a model in eval mode (no dropout) and put its modes back afterwards."""

    def __init__(self, model):
        self.modules = list(model.modules()) if hasattr(model, "modules") else []

    def __enter__(self):
        self.saved = [m.__dict__.get("training", True) for m in self.modules]
        for m in self.modules:
            m.__dict__["training"] = False

    def __exit__(self, *exc):
        for m, t in zip(self.modules, self.saved):
            m.__dict__["training"] = t
        return False


class kept_grads:
    """Leave the model's parameter gradients as they were (a check must not train)."""

    def __init__(self, params):
        self.params = list(params)

    def __enter__(self):
        self.saved = [p.grad for p in self.params]
        for p in self.params:
            p.grad = None

    def __exit__(self, *exc):
        for p, g in zip(self.params, self.saved):
            p.grad = g
        return False
