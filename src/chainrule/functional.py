"""The functions users call (``import chainrule.functional as F``), like torch.nn.functional.

Each is a thin front to a row of the chain-rule table: it accepts tensors or arrays, checks
its options, and calls the primitive. No gradient is computed here.
"""

from __future__ import annotations

import numpy as np

from chainrule import ops
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
def sigmoid(x) -> Tensor:
    return ops.sigmoid(_t(x))


def tanh(x) -> Tensor:
    return ops.tanh(_t(x))


def relu(x) -> Tensor:
    return ops.relu(_t(x))


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    return ops.leaky_relu(_t(x), slope=negative_slope)


def identity(x) -> Tensor:
    return ops.identity(_t(x))


def softplus(x) -> Tensor:
    return ops.softplus(_t(x))


def gelu(x) -> Tensor:
    """GELU in its tanh form (equal to ``torch.nn.functional.gelu(x, approximate="tanh")``)."""
    return ops.gelu(_t(x))


def step(x, derivative: str = "zero") -> Tensor:
    """Heaviside step g(z) = 1{z >= 0}, with step(0) = 1 as on the recitation's slides.

    ``derivative`` chooses what backprop uses:

    - ``"zero"`` (default): the true derivative, 0 everywhere it exists. A step network then
      gets no gradient at all and gradient descent cannot train it; this is the honest answer.
    - ``"straight_through"``: pass the upstream gradient through unchanged (a surrogate).
    - ``"sigmoid"``: use the sigmoid's derivative s(1 - s) as a smooth surrogate.
    """
    try:
        prim = ops.STEP_DERIVATIVES[derivative]
    except KeyError:
        raise ConfigError(
            f"step derivative must be one of {sorted(ops.STEP_DERIVATIVES)}, "
            f"found {derivative!r}"
        ) from None
    return prim(_t(x))


def softmax(x, axis: int = -1) -> Tensor:
    return ops.softmax(_t(x), axis=axis)


def log_softmax(x, axis: int = -1) -> Tensor:
    return ops.log_softmax(_t(x), axis=axis)


ACTIVATIONS = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "identity": identity,
    "softplus": softplus,
    "gelu": gelu,
    "step": step,
}


def activation(name: str):
    """The activation function called ``name`` (a clear error lists the known ones)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ConfigError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None


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
