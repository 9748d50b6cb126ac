"""Backprop by hand, layer by layer, as on the slides: the caches made visible.

Every layer is a pair of plain NumPy functions. ``*_forward`` returns ``(out, cache)``: the
values its backward will need. ``*_backward`` takes ``(dout, cache)`` (``dout = dJ/d(out)``)
and returns the gradient with respect to its input (and, for ``linear``, its weights):

    z1, c1 = linear_forward(x, W, b1)
    h, c2 = relu_forward(z1)
    z2, c3 = linear_forward(h, U, b2)
    J, c4 = softmax_cross_entropy_forward(z2, y)
    delta1 = softmax_cross_entropy_backward(1.0, c4)     # y_hat - y
    dh, dU, db2 = linear_backward(delta1, c3)           # U^T delta1, delta1 h^T, delta1
    delta2 = relu_backward(dh, c2)                       # (U^T delta1) o 1{z1 > 0}
    dx, dW, db1 = linear_backward(delta2, c1)

``compare_with_autodiff(model, x, y)`` runs this on a chainrule MLP and shows that the engine
computes the same numbers. Rows are examples (x is (N, in) or a single vector (in,)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.errors import ConfigError
from chainrule.inspect._format import fmt
from chainrule.inspect._mlp import as_targets, eval_mode, kept_grads, kind, layers_of


# ----- Linear: z = x W^T + b
def linear_forward(x, W, b=None):
    out = x @ W.T
    if b is not None:
        out = out + b
    return out, (x, W, b is not None)


def linear_backward(dout, cache):
    """(dx, dW, db): dx = dout W, dW = dout^T x (delta h^T for one example), db = sum(dout)."""
    x, W, has_bias = cache
    d2 = dout.reshape(-1, W.shape[0])
    dx = dout @ W
    dW = d2.T @ x.reshape(-1, W.shape[1])
    db = d2.sum(axis=0) if has_bias else None
    return dx, dW, db


# ----- activations: out = g(z), backward dz = dout * g'(z) from what was cached
def relu_forward(z):
    return np.maximum(z, 0), z


def relu_backward(dout, cache):
    return dout * (cache > 0)


def leaky_relu_forward(z, slope=0.01):
    return np.where(z > 0, z, slope * z), (z, slope)


def leaky_relu_backward(dout, cache):
    z, slope = cache
    return dout * np.where(z > 0, 1.0, slope)


def sigmoid_forward(z):
    s = 1 / (1 + np.exp(-z))
    return s, s


def sigmoid_backward(dout, cache):
    return dout * cache * (1 - cache)           # s (1 - s)


def tanh_forward(z):
    t = np.tanh(z)
    return t, t


def tanh_backward(dout, cache):
    return dout * (1 - cache * cache)           # 1 - t^2


def softplus_forward(z):
    return np.logaddexp(0, z), z


def softplus_backward(dout, cache):
    return dout / (1 + np.exp(-cache))          # sigmoid(z)


def identity_forward(z):
    return z, None


def identity_backward(dout, cache):
    return dout


def step_forward(z):
    return (z >= 0).astype(z.dtype), z


def step_backward(dout, cache):
    return np.zeros_like(dout)                  # flat wherever it is differentiable


def softmax_forward(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return p, p


def softmax_backward(dout, cache):
    p = cache
    return p * (dout - np.sum(dout * p, axis=-1, keepdims=True))


# ----- losses: forward returns (J, cache), backward takes dJ (1.0) and returns dJ/d(input)
def softmax_cross_entropy_forward(z, y):
    """J = -mean over rows of sum_i y_i log softmax(z)_i; y: labels or one-hot rows."""
    z2 = np.atleast_2d(z)
    rows = as_targets(y, z2.shape[0], z2.shape[1], z2.dtype)
    m = z2.max(axis=1, keepdims=True)
    logp = z2 - m - np.log(np.exp(z2 - m).sum(axis=1, keepdims=True))
    J = -(rows * logp).sum() / z2.shape[0]
    return J, (np.exp(logp), rows, np.shape(z))


def softmax_cross_entropy_backward(dout, cache):
    """delta = (y_hat - y) / N."""
    p, rows, shape = cache
    return (dout * (p - rows) / p.shape[0]).reshape(shape)


def mse_forward(pred, target):
    diff = pred - np.asarray(target, dtype=pred.dtype).reshape(pred.shape)
    return np.mean(diff * diff), diff


def mse_backward(dout, cache):
    """2 (y_hat - y) / N, N = the number of elements averaged."""
    return dout * 2 * cache / cache.size


LAYERS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "softplus": (softplus_forward, softplus_backward),
    "identity": (identity_forward, identity_backward),
    "step": (step_forward, step_backward),
}
LOSSES = {
    "cross_entropy": (softmax_cross_entropy_forward, softmax_cross_entropy_backward),
    "mse": (mse_forward, mse_backward),
}


def _forward(spec, a):
    k = spec[0]
    if k == "linear":
        return linear_forward(a, spec[1].astype(np.float64),
                              None if spec[2] is None else spec[2].astype(np.float64))
    if k == "leaky_relu":
        return leaky_relu_forward(a, spec[1])
    if k == "softmax":
        return softmax_forward(a)
    if k in LAYERS:
        return LAYERS[k][0](a)
    raise ConfigError(f"manual mode has no hand-written backward for {spec[1]}; it covers "
                      "Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus, Identity, Step, "
                      "Softmax and Dropout (in eval mode)")


def _backward(spec, dout, cache):
    k = spec[0]
    if k == "linear":
        return linear_backward(dout, cache)
    if k == "leaky_relu":
        return leaky_relu_backward(dout, cache), None, None
    if k == "softmax":
        return softmax_backward(dout, cache), None, None
    return LAYERS[k][1](dout, cache), None, None


@dataclass
class ManualPass:
    """The hand-written pass: the loss, every parameter's gradient and what each layer cached."""

    loss: float
    grads: dict        # parameter name -> gradient
    caches: list       # (layer class name, cache, names of the cached arrays) per layer


def manual_backprop(model, x, y, loss: str = "cross_entropy") -> ManualPass:
    """Forward with caches, then backward layer by layer, in float64, with no autodiff."""
    if loss not in LOSSES:
        raise ConfigError(f"loss must be one of {sorted(LOSSES)}, found {loss!r}")
    layers = layers_of(model)
    names = _param_names(model)
    specs = [kind(m) for m in layers]
    a = np.asarray(getattr(x, "data", x), dtype=np.float64)
    caches = []
    for m, spec in zip(layers, specs):
        a, cache = _forward(spec, a)
        caches.append((type(m).__name__, cache, _CACHE_NAMES.get(spec[0], ())))
    J, lcache = LOSSES[loss][0](a, getattr(y, "data", y))
    dout = LOSSES[loss][1](1.0, lcache)
    grads = {}
    for m, spec, (_, cache, _) in zip(reversed(layers), reversed(specs), reversed(caches)):
        dout, dW, db = _backward(spec, dout, cache)
        if spec[0] == "linear":
            grads[names[id(m.weight)]] = dW
            if db is not None:
                grads[names[id(m.bias)]] = db
    return ManualPass(float(J), grads, caches)


def _param_names(model) -> dict:
    if hasattr(model, "named_parameters"):
        return {id(p): name for name, p in model.named_parameters()}
    out = {}
    for i, m in enumerate(layers_of(model)):
        for name, p in m.named_parameters():
            out[id(p)] = f"{i}.{name}"
    return out


@dataclass
class Comparison:
    """Manual backprop next to autodiff, parameter by parameter."""

    rows: list         # (name, max abs difference, scale, equal)
    manual: ManualPass
    autodiff: dict     # parameter name -> .grad from loss.backward()
    loss_manual: float
    loss_autodiff: float

    @property
    def agree(self) -> bool:
        return all(r[3] for r in self.rows)

    def __bool__(self):
        return self.agree

    def __str__(self):
        lines = [f"manual backprop vs autodiff: {'AGREE' if self.agree else 'DISAGREE'} "
                 f"(loss {self.loss_manual:.6g} by hand, {self.loss_autodiff:.6g} by autodiff)"]
        for name, diff, scale, equal in self.rows:
            lines.append(f"  {'equal' if equal else 'DIFFERENT':<9}  {name:<20} "
                         f"largest difference {diff:.2e} (values up to {scale:.2e})")
        lines.append("  cached by the forward pass (what backward reuses):")
        for i, (layer, cache, names) in enumerate(self.manual.caches):
            lines.append(f"    layer {i} {layer}: {_describe(cache, names)}")
        return "\n".join(lines)


# What each layer's cache holds, in order (the rest of a cache tuple is bookkeeping).
_CACHE_NAMES = {"linear": ("x", "W"), "relu": ("z",), "leaky_relu": ("z",), "sigmoid": ("s",),
                "tanh": ("t",), "softplus": ("z",), "step": ("z",), "softmax": ("y_hat",)}


def _describe(cache, names) -> str:
    items = cache if isinstance(cache, tuple) else (cache,)
    parts = [f"{n} = {fmt(c, limit=6, oneline=True)}" for n, c in zip(names, items)
             if isinstance(c, np.ndarray)]
    return "; ".join(parts) or "nothing"


def compare_with_autodiff(model, x, y, loss: str = "cross_entropy") -> Comparison:
    """Run ``manual_backprop`` and the engine's backward on ``model`` and compare them.

    The model's own ``.grad`` values and train/eval modes are left as they were.
    """
    from chainrule import functional as F
    from chainrule.tensor import Tensor

    man = manual_backprop(model, x, y, loss)
    params = dict(model.named_parameters())
    with eval_mode(model), kept_grads(params.values()):
        dtype = next(iter(params.values())).dtype if params else np.float32
        out = model(Tensor(np.asarray(getattr(x, "data", x)), dtype=dtype))
        target = getattr(y, "data", y)
        J = F.cross_entropy(out, target) if loss == "cross_entropy" else F.mse_loss(out, target)
        J.backward()
        auto = {name: np.array(p.grad) for name, p in params.items() if p.grad is not None}
    tol = 1e-4 if dtype == np.float32 else 1e-9
    rows = []
    for name, g in man.grads.items():
        a = auto.get(name, np.zeros_like(g))
        scale = float(np.abs(g).max(initial=0.0))
        diff = float(np.abs(a - g).max(initial=0.0))
        rows.append((name, diff, scale, diff <= tol * max(1.0, scale)))
    return Comparison(rows, man, auto, man.loss, float(J.item()))
