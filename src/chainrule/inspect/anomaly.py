"""``detect_anomaly()``: stop at the first NaN or inf and name the op and the line that made it.

    with cr.detect_anomaly():
        J = model(x).log().sum()      # AnomalyError: log produced -inf ... at train.py:12
        J.backward()                  # and in backward: which rule produced the NaN

Like PyTorch's ``torch.autograd.detect_anomaly``, it is slow (every op looks up the caller's
line): use it to find a bug, not to train.
"""

from __future__ import annotations

import contextlib

import numpy as np

from chainrule import autograd
from chainrule.errors import AnomalyError
from chainrule.inspect._site import user_site


def _bad(a) -> str | None:
    """'NaN' / 'inf' / '-inf' counts of a float array, or None when all finite."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc" or np.isfinite(a).all():
        return None
    parts = []
    for what, mask in (("NaN", np.isnan(a)), ("inf", np.isposinf(a)), ("-inf", np.isneginf(a))):
        count = int(mask.sum())
        if count:
            first = np.unravel_index(int(np.argmax(mask)), a.shape) if a.ndim else ()
            parts.append(f"{what} in {count} of {a.size} values (first at index "
                         f"{tuple(int(i) for i in first)})")
    return "; ".join(parts)


def _where(site) -> str:
    if site is None:
        return ("(created outside detect_anomaly(): run the forward pass inside it to see the "
                "line)")
    return f"created at {site}"


def _name(t, i) -> str:
    return f"'{t.name}'" if getattr(t, "name", None) else f"input {i}"


class detect_anomaly(contextlib.ContextDecorator):
    """Context manager (and decorator) that raises ``AnomalyError`` at the first NaN or inf
    produced by an op in the forward pass or by a rule in the backward pass."""

    def __init__(self, forward: bool = True, backward: bool = True):
        self.forward = forward
        self.backward = backward
        self._previous = []

    def __enter__(self):
        # NumPy's own divide/overflow warnings are replaced by the error raised here.
        self._previous.append((autograd.state.anomaly, np.seterr(all="ignore")))
        autograd.state.anomaly = self
        return self

    def __exit__(self, *exc):
        autograd.state.anomaly, errstate = self._previous.pop()
        np.seterr(**errstate)
        return False

    # ----- the engine's hooks
    def on_forward(self, prim, inputs, out):
        site = user_site()
        if out._node is not None:
            out._node.site = site
        if not self.forward:
            return
        bad = _bad(out.data)
        if bad is None:
            return
        for i, t in enumerate(inputs):
            inner = _bad(t.data)
            if inner is not None:
                kind = "a leaf: the data itself" if t._node is None else \
                    f"made by {t._node.prim.name} outside detect_anomaly()"
                raise AnomalyError(
                    f"{prim.name} received a non-finite {_name(t, i)} ({kind}): {inner}; "
                    f"at {site}. Find where that value came from, or clean the data")
        raise AnomalyError(
            f"{prim.name} produced {bad} in the forward pass, from finite inputs; at {site}. "
            f"{_hint(prim)}")

    def on_backward(self, node, in_grads):
        if not self.backward:
            return
        for i, g in enumerate(in_grads):
            if g is None:
                continue
            bad = _bad(g)
            if bad is not None:
                inp = node.inputs[i] if i < len(node.inputs) else None
                raise AnomalyError(
                    f"the backward rule of {node.prim.name} produced {bad} in the gradient of "
                    f"its {_name(inp, i)}; the op was {_where(node.site)}. "
                    f"{_hint(node.prim)}")


def _hint(prim) -> str:
    """What to check, from the op's row of the table (``Primitive.hint``)."""
    return prim.hint or "Check this op's inputs"
