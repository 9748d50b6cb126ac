"""The functions users call (``import chainrule.functional as F``), like torch.nn.functional.

Each is a thin front to a row of the chain-rule table: it accepts tensors or arrays, checks
its options, and calls the primitive. No gradient is computed here.
"""

from __future__ import annotations

import numpy as np

from chainrule import activations, ops
from chainrule.errors import ConfigError
from chainrule.tensor import Tensor, _lift


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _plain(x):
    return x.data if isinstance(x, Tensor) else x


# ----- layers
def linear(x, weight, bias=None) -> Tensor:
    """``x @ weight.T + bias`` with ``weight`` of shape (out, in), fused into one node."""
    if bias is None:
        return ops.linear(_t(x), _t(weight))
    return ops.linear(_t(x), _t(weight), _t(bias))


# ----- activations
# One function per registered activation (sigmoid, tanh, relu, leaky_relu, identity, softplus,
# gelu, step, softmax, ... and any registered later), made from its registry entry: the
# registry (``chainrule.activations``) is the one place an activation is declared.


def _functional_form(act):
    """``fn(x, *options)``: the activation as a function, options positional or by keyword."""
    keys = tuple(act.options)
    default_prim, default_params = act.bind()

    def fn(x, *args, **options):
        if args:
            if len(args) > len(keys):
                raise ConfigError(f"{act.name}() takes x and at most {len(keys)} option(s) "
                                  f"({', '.join(keys) or 'none'}), found {len(args)} more")
            for key, value in zip(keys, args):
                if key in options:
                    raise ConfigError(f"{act.name}() got option {key!r} twice")
                options[key] = value
        prim, params = act.bind(options) if options else (default_prim, default_params)
        return prim(x if isinstance(x, Tensor) else Tensor(x), **params)

    fn.__name__ = fn.__qualname__ = act.name
    fn.__doc__ = act.doc or f"The {act.name} activation: {act.formula}."
    fn.__signature__ = activations.signature_of(act)
    fn.__module__ = __name__
    return fn


def _define(act) -> None:
    globals()[act.name] = _functional_form(act)


activations.on_register(_define)


def activation(name):
    """The activation function called ``name`` (or an alias such as "logistic")."""
    return globals()[activations.get(name).name]


def log_softmax(x, axis: int = -1) -> Tensor:
    """log(softmax(x)) along ``axis``, computed without forming softmax (no log of 0)."""
    return ops.log_softmax(_t(x), axis=axis)


# ----- losses
def cross_entropy(logits, target, reduction: str = "mean") -> Tensor:
    """Softmax + cross-entropy in one node; ``target`` holds class labels (N,) or rows (N, C).

    Its gradient is the recitation's delta_1 = y_hat - y (divided by N for the mean).
    """
    return ops.cross_entropy(_t(logits), target=np.asarray(_plain(target)), reduction=reduction)


def mse_loss(pred, target, reduction: str = "mean") -> Tensor:
    """Mean squared error. A target given as a plain array is data, like cross_entropy's labels:
    it takes the prediction's dtype (a float32 model stays float32); a target tensor keeps its
    own dtype and follows the promotion rules."""
    pred = _t(pred)
    if not isinstance(target, Tensor):
        target = Tensor._wrap(np.asarray(target, dtype=pred.dtype))
    return ops.mse_loss(pred, target, reduction=reduction)


def binary_cross_entropy_with_logits(logits, target, reduction: str = "mean") -> Tensor:
    return ops.binary_cross_entropy_with_logits(
        _t(logits), target=np.asarray(_plain(target)), reduction=reduction
    )


# ----- array functions
def concatenate(tensors, axis: int = 0) -> Tensor:
    return ops.concatenate(*[_t(t) for t in tensors], axis=axis)


cat = concatenate


def stack(tensors, axis: int = 0) -> Tensor:
    return ops.stack(*[_t(t) for t in tensors], axis=axis)


def _operands(a, b):
    """Two operands as tensors; a Python scalar on either side takes the tensor's dtype."""
    a = _t(a) if isinstance(a, Tensor) or not isinstance(b, Tensor) else _lift(a, b)
    return a, _lift(b, a)


def where(condition, a, b) -> Tensor:
    a, b = _operands(a, b)
    return ops.where(a, b, cond=np.asarray(_plain(condition), dtype=bool))


def maximum(a, b) -> Tensor:
    return ops.maximum(*_operands(a, b))


def minimum(a, b) -> Tensor:
    return ops.minimum(*_operands(a, b))


def exp(x) -> Tensor:
    return ops.exp(_t(x))


def log(x) -> Tensor:
    return ops.log(_t(x))


def sqrt(x) -> Tensor:
    return ops.sqrt(_t(x))
