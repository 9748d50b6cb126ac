"""Standardize: input scaling as a layer of the model, so ``model(X)`` takes raw inputs.

``(x - mean) / scale`` per feature, computed in float64 and returned in the network's dtype:
exactly the arithmetic ``predict`` has always applied before the first layer, so the numbers
do not move. ``mean`` and ``scale`` are float64 buffers, saved in the model file; ``to(dtype)``
changes the output dtype and keeps them in float64.

``fit(..., standardize=True)`` puts one first in the model (``attach``): as the layer named
``"standardize"`` at the head of an ``MLP``'s ``layers`` or of a ``Sequential``, so the other
layers keep their names ("layers.0.weight", ...) and every tool that walks the layers sees it.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import is_grad_enabled
from chainrule.errors import ConfigError, DTypeError, ShapeError
from chainrule.nn.config import dtype_name, parse_dtype, register
from chainrule.nn.module import Module
from chainrule.tensor import Tensor
from chainrule.validation import positive_int

NAME = "standardize"  # the layer's name inside an MLP's layers or a Sequential


def _stats(value, default: float, n: int, what: str) -> np.ndarray:
    arr = np.full(n, default) if value is None else np.array(value, dtype=np.float64)
    if arr.shape != (n,):
        raise ShapeError(f"Standardize({n}): {what} must hold {n} numbers, found shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)) or (what == "scale" and not np.all(arr > 0)):
        raise ConfigError(f"Standardize: {what} must be finite"
                          + (" and positive" if what == "scale" else "") + f", found {arr}")
    return arr


@register
class Standardize(Module):
    """``Standardize(features, mean=None, scale=None, dtype=float32)``: ``(x - mean) / scale``.

    Without ``mean``/``scale`` it is the identity until ``load_state_dict`` (or a model file)
    fills them; ``Standardize.from_data(X_train)`` makes a fitted one.
    """

    def __init__(self, features: int, mean=None, scale=None, dtype=np.float32):
        super().__init__()
        self.in_features = self.out_features = positive_int(features, "Standardize features")
        self.register_buffer("mean", _stats(mean, 0.0, self.in_features, "mean"))
        self.register_buffer("scale", _stats(scale, 1.0, self.in_features, "scale"))
        self.out_dtype = parse_dtype(dtype)

    @classmethod
    def from_data(cls, X, dtype=np.float32) -> Standardize:
        """Fitted on ``X`` (training data only): the statistics of ``data.Standardizer``, the
        population std per feature, 1 for a constant feature."""
        from chainrule.data import Standardizer

        std = Standardizer().fit(X)
        return cls(len(std.mean_), std.mean_, std.scale_, dtype=dtype)

    def forward(self, x):
        if isinstance(x, Tensor) and x.requires_grad and is_grad_enabled():
            # Through the engine, so explain and gradcheck see d(output)/d(input) = 1 / scale.
            self._check(x.data)
            mean, scale = Tensor._wrap(self.mean), Tensor._wrap(self.scale)
            mean.name, scale.name = "mean", "scale"  # how the trace names them
            z = (x if x.dtype == np.float64 else x.astype(np.float64)) - mean
            z = z / scale
            z = z if self.out_dtype == np.float64 else z.astype(self.out_dtype)
            z.name = "x_std"
            return z
        data = self._check(x.data if isinstance(x, Tensor) else np.asarray(x))
        z = (data.astype(np.float64, copy=False) - self.mean) / self.scale
        return Tensor._wrap(z.astype(self.out_dtype, copy=False))

    def _check(self, data: np.ndarray) -> np.ndarray:
        # Refuse what NumPy would broadcast: one column for d features is a wrong answer.
        if data.ndim == 0 or data.shape[-1] != self.in_features:
            raise ShapeError(f"Standardize expects {self.in_features} input features, found "
                             f"shape {data.shape}; use data with the columns the model was "
                             "trained on")
        if data.dtype.kind not in "biuf":
            raise DTypeError(f"Standardize expects numbers, found dtype {data.dtype}")
        return data

    def check(self) -> None:
        """Raise ``ConfigError`` unless ``mean`` is finite and ``scale`` finite and positive
        (``load_state_dict`` copies any numbers in; a model file is checked with this)."""
        _stats(self.mean, 0.0, self.in_features, "mean")
        _stats(self.scale, 1.0, self.in_features, "scale")

    def _to_dtype(self, dtype) -> None:
        self.out_dtype = np.dtype(dtype)  # the statistics stay float64

    def extra_repr(self) -> str:
        return f"features={self.in_features}"

    def get_config(self) -> dict:
        return {"type": "Standardize", "features": self.in_features,
                "dtype": dtype_name(self.out_dtype)}


def _chain(model):
    """The Sequential whose first layer is the model's input layer (MLP: its ``layers``)."""
    from chainrule.nn.containers import Sequential
    from chainrule.nn.mlp import MLP

    if isinstance(model, MLP):
        return model.layers
    if isinstance(model, Sequential):
        return model
    return None


def input_standardize(model) -> Standardize | None:
    """The ``Standardize`` the model applies first to its raw inputs, or None."""
    if isinstance(model, Standardize):
        return model
    chain = _chain(model)
    while chain is not None:
        first = next(iter(chain.children()), None)
        if isinstance(first, Standardize):
            return first
        chain = _chain(first)
    return None


def attach(model, standardize: Standardize) -> None:
    """Make ``standardize`` the first layer of ``model`` (replacing one already there)."""
    if not isinstance(standardize, Standardize):
        raise ConfigError(f"expected an nn.Standardize, found {type(standardize).__name__}")
    chain = _chain(model)
    if chain is None:
        raise ConfigError(
            f"cannot put an nn.Standardize into a {type(model).__name__} by itself (only an MLP "
            "or a Sequential has a first layer to put it before); add it yourself: set "
            "self.std = chainrule.nn.Standardize.from_data(X_train) in your model's __init__, "
            "apply it first in forward, and train without standardize=True"
        )
    existing = chain._modules.get(NAME)
    if existing is not None and not isinstance(existing, Standardize):
        raise ConfigError(f"the model already has a layer named {NAME!r} "
                          f"({type(existing).__name__}); rename it to add an nn.Standardize")
    first = input_standardize(model)
    if first is not None and first is not existing:
        raise ConfigError("the model already starts with an nn.Standardize (inside a nested "
                          "layer); remove it before adding another")
    chain._put_first(NAME, standardize)
