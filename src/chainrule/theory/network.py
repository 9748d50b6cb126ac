"""The recitation's one-hidden-layer network f(x) = w2 . g(W1 x + b1) + b2 as a chainrule module.

Every construction and every approximation experiment in ``chainrule.theory`` is one of these:
``hidden`` (Linear, weight (n, d)), ``activation`` (an activation module) and ``output``
(Linear, weight (1, n)). Constructions set the weights exactly in float64; a float32 input is
computed in float32 (the weights are cast on the way, through the engine's ``cast`` node).
"""

from __future__ import annotations

import numpy as np

from chainrule import activations, nn
from chainrule import functional as F
from chainrule.errors import ConfigError, ShapeError
from chainrule.tensor import Tensor


def hidden_activation(name: str, derivative: str | None = None):
    """The module of the registered activation ``name``; ``derivative`` is the step's policy
    (the option that picks an activation's derivative rule; None: its default) and is
    ignored by the others."""
    act = activations.get(name)
    options = {act.policy: derivative} if act.policy and derivative is not None else {}
    return nn.module_class(act)(**options)


class OneHiddenLayer(nn.Module):
    """f(x) = sum_i w_i g(v_i . x + b_i) + w_0, for x of shape (N, d); returns (N, 1)."""

    def __init__(self, in_features: int, units: int, activation: str = activations.DEFAULT,
                 derivative: str | None = None, seed: int | None = 0, dtype=np.float32):
        super().__init__()
        if units < 1 or in_features < 1:
            raise ConfigError(f"a one-hidden-layer network needs in_features >= 1 and units >= 1,"
                              f" found {in_features} and {units}")
        rng = np.random.default_rng(seed)
        self.in_features, self.units = in_features, units
        self.activation_name = activations.get(activation).name
        self.hidden = nn.Linear(in_features, units, seed=rng, dtype=dtype)
        self.activation = hidden_activation(activation, derivative)
        self.output = nn.Linear(units, 1, seed=rng, dtype=dtype)

    @classmethod
    def from_weights(cls, W1, b1, w2, b2, activation: str, derivative: str | None = None):
        """A network with exactly these weights, stored in float64."""
        W1 = np.atleast_2d(np.asarray(W1, dtype=np.float64))
        b1 = np.asarray(b1, dtype=np.float64).reshape(-1)
        w2 = np.asarray(w2, dtype=np.float64).reshape(1, -1)
        b2 = np.asarray(b2, dtype=np.float64).reshape(1)
        n, d = W1.shape
        if b1.shape != (n,) or w2.shape != (1, n):
            raise ShapeError(f"weights do not fit: W1 is {W1.shape}, so b1 must have {n} "
                             f"entries and w2 {n}; found {b1.size} and {w2.size}")
        net = cls(d, n, activation, derivative, dtype=np.float64)
        net.set_weights(W1, b1, w2, b2)
        return net

    def set_weights(self, W1, b1, w2, b2) -> None:
        """Replace all four weight arrays (in the network's dtype: float64 for constructions)."""
        for p, v in ((self.hidden.weight, W1), (self.hidden.bias, b1),
                     (self.output.weight, w2), (self.output.bias, b2)):
            p.data = np.array(v, dtype=p.data.dtype).reshape(p.data.shape)
            p.grad = None

    def _prepare(self, x) -> Tensor:
        if not isinstance(x, Tensor):
            arr = np.asarray(x)
            x = Tensor(arr if arr.dtype.kind == "f" else arr.astype(np.float64))
        if x.ndim == 1 and self.in_features == 1:
            x = x.reshape(-1, 1)  # a plain vector of 1-D points
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ShapeError(f"this network takes inputs of shape (N, {self.in_features}), "
                             f"found {tuple(x.shape)}")
        return x

    @staticmethod
    def _like(p, x):
        return p if p.dtype == x.dtype else p.astype(x.dtype)

    def pre_activation(self, x) -> Tensor:
        """z = W1 x + b1, shape (N, units): what the slide's table calls h(x)."""
        x = self._prepare(x)
        return F.linear(x, self._like(self.hidden.weight, x), self._like(self.hidden.bias, x))

    def hidden_units(self, x) -> Tensor:
        """g(W1 x + b1), shape (N, units): each hidden unit's activation."""
        return self.activation(self.pre_activation(x))

    def forward(self, x) -> Tensor:
        h = self.hidden_units(x)
        return F.linear(h, self._like(self.output.weight, h), self._like(self.output.bias, h))

    def weights(self) -> dict:
        """The four arrays by the slides' names: W1, b1, w2, b2."""
        return {"W1": self.hidden.weight.data.copy(), "b1": self.hidden.bias.data.copy(),
                "w2": self.output.weight.data.reshape(-1).copy(),
                "b2": float(self.output.bias.data[0])}

    def extra_repr(self) -> str:
        return f"in={self.in_features}, units={self.units}, activation={self.activation_name}"
