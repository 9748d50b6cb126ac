"""``closed_form_check(model, x, y)``: autodiff against the textbook formulas, term by term.

Each term is checked in isolation: the textbook formula is fed autodiff's own upstream
gradient, so when one rule is wrong exactly that term diverges and the report names it.

    softmax + cross-entropy   dJ/dz = (y_hat - y) / N
    MSE                       dJ/dy_hat = 2 (y_hat - y) / N   (N = number of elements)
    an activation             its rule from the chain-rule table, e.g. dJ/dz = dJ/dh * s(1 - s),
                              computed by its textbook NumPy derivative (the registry's)
    linear                    dW = delta^T X,  db = sum over rows of delta,  dX = delta W
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from chainrule.errors import ConfigError
from chainrule.inspect._mlp import as_targets, eval_mode, kept_grads, kind, layers_of


@dataclass
class Term:
    """One textbook formula against autodiff."""

    term: str            # where: "layer 2 Linear (z2 = linear(h1, ...))"
    formula: str         # the textbook formula: "dW = delta^T X"
    equal: bool | None   # None: no closed form for this layer (skipped)
    max_abs_error: float
    scale: float         # largest |value| of the textbook side

    @property
    def status(self) -> str:
        return "skipped" if self.equal is None else "equal" if self.equal else "DIVERGES"


@dataclass
class ClosedFormReport:
    terms: list

    @property
    def diverging(self) -> list:
        return [t for t in self.terms if t.equal is False]

    @property
    def equal(self) -> bool:
        return not self.diverging

    def __bool__(self):
        return self.equal

    def __str__(self):
        lines = ["closed forms vs autodiff: " + (
            "all equal" if self.equal else
            "DIVERGING: " + "; ".join(f"{t.term}: {t.formula}" for t in self.diverging))]
        for t in self.terms:
            lines.append(f"  {t.status:<8}  {t.term:<34} {t.formula:<34} largest difference "
                         f"{t.max_abs_error:.2e} (values up to {t.scale:.2e})")
        return "\n".join(lines)


def _textbook_formula(act, options) -> str:
    """The rule as the table states it, in this check's names: z in, h out ('dJ/dz = dJ/dh *
    s(1 - s)')."""
    prim, _ = act.bind(options)
    rule = prim.formulas[0] if prim.formulas else f"dJ/dz = vjp of {prim.name}"
    rule = re.sub(r"dJ/dx\b", "dJ/dz", rule)
    rule = re.sub(r"dJ/dy\b", "dJ/dh", rule)
    return re.sub(r"(?<![\w/])x(?!\w)", "z", rule)


def _activation_closed_form(spec, g, z, out):
    if spec[0] == "standardize":
        return g / spec[2], "dJ/dx = dJ/dx_std / scale"
    if spec[0] != "activation":
        return None, f"no closed form for {spec[1]}"
    act, options = spec[1], spec[2]
    return act.textbook_backward(g, z, out, options), _textbook_formula(act, options)


def closed_form_check(model, x, y, loss: str = "cross_entropy", rtol=None,
                      atol=None) -> ClosedFormReport:
    """Compare autodiff (``explain`` of ``loss(model(x), y)``) with the textbook formulas.

    ``model`` is an MLP, a Sequential or a list of modules. Tolerances default to 1e-4
    (relative to the largest value) in float32 and 1e-9 in float64. The model's ``.grad``
    values and modes are left unchanged.
    """
    from chainrule.inspect.explain import explain
    from chainrule.tensor import Tensor
    from chainrule.training.losses import resolve_loss

    loss_fn, task = resolve_loss(loss)
    if task not in ("classification", "regression"):
        raise ConfigError(f"the closed forms cover softmax cross-entropy and mean squared "
                          f"error, not {loss!r}")
    layers = layers_of(model)
    params = [p for m in layers for p in m.parameters()]
    dtype = params[0].dtype if params else np.dtype(np.float32)
    rtol = (1e-4 if dtype == np.float32 else 1e-9) if rtol is None else rtol
    with eval_mode(model), kept_grads(params):
        a = Tensor(np.asarray(getattr(x, "data", x)), dtype=dtype, requires_grad=True)
        steps = []
        for m in layers:
            b = m(a)
            steps.append((m, a, b))
            a = b
        target = getattr(y, "data", y)
        trace = explain(loss_fn(a, target))
    name = lambda t: trace.names.get(id(t), "?")  # noqa: E731
    terms = []

    def compare(term, formula, closed, auto):
        closed = np.asarray(closed, dtype=np.float64)
        auto = np.asarray(auto, dtype=np.float64).reshape(closed.shape)
        scale = float(np.abs(closed).max(initial=0.0))
        err = float(np.abs(closed - auto).max(initial=0.0))
        tol = (atol if atol is not None else 0.0) + rtol * max(scale, 1e-3)
        terms.append(Term(term, formula, err <= tol, err, scale))

    out = a.data.astype(np.float64)
    if task == "classification":
        z2 = np.atleast_2d(out)
        e = np.exp(z2 - z2.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        rows = as_targets(target, z2.shape[0], z2.shape[1], np.float64)
        compare(f"loss (softmax + cross-entropy on {name(a)})", "dJ/dz = (y_hat - y) / N",
                ((p - rows) / z2.shape[0]).reshape(out.shape), trace.grad_of(a))
    else:
        yt = np.asarray(target, dtype=np.float64).reshape(out.shape)
        compare(f"loss (MSE on {name(a)})", "dJ/dy_hat = 2 (y_hat - y) / N",
                2 * (out - yt) / out.size, trace.grad_of(a))

    for i in reversed(range(len(layers))):
        m, inp, res = steps[i]
        spec = kind(m)
        where = f"layer {i} {type(m).__name__} ({name(res)})"
        g = trace.grad_of(res).astype(np.float64)
        xin = inp.data.astype(np.float64)
        if spec[0] == "affine":
            W = spec[1].astype(np.float64)
            g2, x2 = g.reshape(-1, W.shape[0]), xin.reshape(-1, W.shape[1])
            compare(where, "dW = delta^T X", g2.T @ x2, trace.grad_of(m.weight))
            if spec[2] is not None:
                compare(where, "db = sum over rows of delta", g2.sum(axis=0),
                        trace.grad_of(m.bias))
            compare(where, "dX = delta W", g @ W, trace.grad_of(inp))
            continue
        if res is inp:  # Dropout in eval mode returns its input: nothing to check
            continue
        closed, formula = _activation_closed_form(spec, g, xin, res.data.astype(np.float64))
        if closed is None:
            terms.append(Term(where, formula, None, 0.0, 0.0))
        else:
            compare(where, formula, closed, trace.grad_of(inp))
    return ClosedFormReport(terms)
