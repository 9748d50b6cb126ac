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

from chainrule import activations
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


# ----- Standardize: out = (x - mean) / scale, the model's input scaling (no parameters)
def standardize_forward(x, mean, scale):
    return (x - mean) / scale, scale


def standardize_backward(dout, cache):
    return dout / cache


# ----- activations: out = g(z), backward dz = dout * g'(z) from what was cached
# One pair per registered activation (relu_forward / relu_backward, sigmoid_..., step_...),
# made from its textbook NumPy forms in the registry (chainrule.activations).
def activation_forward(z, activation, **options):
    """``(g(z), cache)`` for the registered ``activation``; the cache keeps z and g(z)."""
    act = activations.get(activation)
    out = act.value(z, **act.resolve(options))
    return out, (z, out, act, options)


def activation_backward(dout, cache):
    """dJ/dz = dout * g'(z) (for softmax: y_hat * (dout - <dout, y_hat>))."""
    z, out, act, options = cache
    return act.textbook_backward(dout, z, out, options)


def _define(act) -> None:
    if not act.has_textbook_backward:
        return

    def forward(z, **options):
        return activation_forward(z, act, **options)

    forward.__name__ = f"{act.name}_forward"
    forward.__doc__ = f"``({act.name}(z), cache)``: {act.formula}."
    globals()[forward.__name__] = forward
    globals()[f"{act.name}_backward"] = activation_backward


activations.on_register(_define)


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


# The hand-written losses, by the task the loss name stands for (training.losses names them).
_BY_TASK = {
    "classification": (softmax_cross_entropy_forward, softmax_cross_entropy_backward),
    "regression": (mse_forward, mse_backward),
}


def _hand_written_loss(loss):
    """``(loss function, (forward, backward))`` for a loss name ("cross_entropy", "mse")."""
    from chainrule.training.losses import resolve_loss

    fn, task = resolve_loss(loss)
    if task not in _BY_TASK:
        raise ConfigError(f"manual mode writes out softmax cross-entropy and mean squared "
                          f"error by hand, not {loss!r}")
    return fn, _BY_TASK[task]


def _forward(spec, a):
    if spec[0] == "affine":
        return linear_forward(a, spec[1].astype(np.float64),
                              None if spec[2] is None else spec[2].astype(np.float64))
    if spec[0] == "standardize":
        return standardize_forward(a, spec[1], spec[2])
    if spec[0] == "activation":
        return activation_forward(a, spec[1], **spec[2])
    known = ", ".join(act.module for act in activations.all_activations()
                      if act.has_textbook_backward)
    raise ConfigError(f"manual mode has no hand-written backward for {spec[1]}; it covers "
                      f"Linear, Standardize, Dropout (in eval mode) and the activations {known}")


def _backward(spec, dout, cache):
    if spec[0] == "affine":
        return linear_backward(dout, cache)
    if spec[0] == "standardize":
        return standardize_backward(dout, cache), None, None
    return activation_backward(dout, cache), None, None


@dataclass
class ManualPass:
    """The hand-written pass: the loss, every parameter's gradient and what each layer cached."""

    loss: float
    grads: dict        # parameter name -> gradient
    caches: list       # (layer class name, cache, names of the cached arrays) per layer


def manual_backprop(model, x, y, loss: str = "cross_entropy") -> ManualPass:
    """Forward with caches, then backward layer by layer, in float64, with no autodiff."""
    _, (loss_forward, loss_backward) = _hand_written_loss(loss)
    layers = layers_of(model)
    names = _param_names(model)
    specs = [kind(m) for m in layers]
    a = np.asarray(getattr(x, "data", x), dtype=np.float64)
    caches = []
    for m, spec in zip(layers, specs):
        a, cache = _forward(spec, a)
        caches.append((type(m).__name__, cache, _CACHE_NAMES[spec[0]]))
    J, lcache = loss_forward(a, getattr(y, "data", y))
    dout = loss_backward(1.0, lcache)
    grads = {}
    for m, spec, (_, cache, _) in zip(reversed(layers), reversed(specs), reversed(caches)):
        dout, dW, db = _backward(spec, dout, cache)
        if spec[0] == "affine":
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
_CACHE_NAMES = {"affine": ("x", "W"), "standardize": ("scale",), "activation": ("z", "g(z)")}


def _describe(cache, names) -> str:
    items = cache if isinstance(cache, tuple) else (cache,)
    parts = [f"{n} = {fmt(c, limit=6, oneline=True)}" for n, c in zip(names, items)
             if isinstance(c, np.ndarray)]
    return "; ".join(parts) or "nothing"


def compare_with_autodiff(model, x, y, loss: str = "cross_entropy") -> Comparison:
    """Run ``manual_backprop`` and the engine's backward on ``model`` and compare them.

    The model's own ``.grad`` values and train/eval modes are left as they were.
    """
    from chainrule.tensor import Tensor

    loss_fn, _ = _hand_written_loss(loss)
    man = manual_backprop(model, x, y, loss)
    params = dict(model.named_parameters())
    with eval_mode(model), kept_grads(params.values()):
        dtype = next(iter(params.values())).dtype if params else np.float32
        out = model(Tensor(np.asarray(getattr(x, "data", x)), dtype=dtype))
        target = getattr(y, "data", y)
        J = loss_fn(out, target)
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
