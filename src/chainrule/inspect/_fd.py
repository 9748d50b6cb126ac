"""Central differences: the one implementation gradcheck, per-op gradcheck and the
finite-difference curve share.

``f`` takes no arguments and reads ``x``, which is moved in place and always put back: no copy
of the inputs per evaluation, and the graph ``f`` builds sees exactly the perturbed values.
"""

from __future__ import annotations

import numpy as np


def shifted(f, x: np.ndarray, eps: float, direction=1.0) -> tuple:
    """``(f() at x + eps d, f() at x - eps d)`` for the direction ``d``; x is restored."""
    orig = x.copy()
    step = np.asarray(eps, dtype=x.dtype) * direction  # in x's dtype, as the values it moves
    try:
        np.add(orig, step, out=x)
        plus = f()
        np.subtract(orig, step, out=x)
        minus = f()
    finally:
        np.copyto(x, orig)
    return plus, minus


def central_difference(f, x: np.ndarray, eps: float) -> np.ndarray:
    """df/dx by central differences, one element of ``x`` at a time (float64).

    ``x`` must be C-contiguous: each element is perturbed through a view of the flat array.
    """
    if not x.flags.c_contiguous:  # reshape would copy, and f would never see the changes
        raise ValueError("central_difference needs a C-contiguous array")
    grad = np.zeros(x.shape)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        plus, minus = shifted(f, flat[k:k + 1], eps)
        out[k] = (plus - minus) / (2 * eps)
    return grad
