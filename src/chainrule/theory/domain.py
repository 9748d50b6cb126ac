"""Domains, dense grids and target functions: what "equal on [lo, hi]" is checked against.

A domain is ``(lo, hi)`` for 1-D input or ``((lo1, hi1), (lo2, hi2), ...)`` for d-D input. A
target function takes one NumPy array per input coordinate (``np.sin`` for 1-D,
``lambda x1, x2: x1 * x2`` for 2-D) and returns one value per point.
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.validation import integer


def parse_domain(domain) -> np.ndarray:
    """``domain`` as a float64 array of shape (d, 2) of [lo, hi] rows, checked."""
    try:
        arr = np.asarray(domain, dtype=np.float64)
    except (TypeError, ValueError):
        arr = None
    if arr is not None and arr.shape == (2,):
        arr = arr.reshape(1, 2)
    if arr is None or arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
        raise ConfigError(f"domain must be (lo, hi) or ((lo1, hi1), (lo2, hi2), ...), "
                          f"found {domain!r}")
    if not np.all(np.isfinite(arr)) or not np.all(arr[:, 0] < arr[:, 1]):
        raise ConfigError(f"domain bounds must be finite with lo < hi, found {domain!r}")
    return arr


def grid(domain, points=None) -> np.ndarray:
    """A dense float64 grid over ``domain`` including its ends: shape (N, d).

    ``points`` counts points per axis (default 10001 in 1-D, 201 per axis in 2-D, 31 above).
    """
    box = parse_domain(domain)
    d = box.shape[0]
    if points is None:
        points = {1: 10001, 2: 201}.get(d, 31)
    points = integer(points, "points", minimum=2)
    axes = [np.linspace(lo, hi, points) for lo, hi in box]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.reshape(-1) for m in mesh])


def evaluate_target(f, X) -> np.ndarray:
    """``f`` at the rows of ``X`` (N, d), called with one array per coordinate: shape (N,)."""
    if not callable(f):
        raise ConfigError(f"the target must be a function, found {type(f).__name__}")
    X = np.asarray(X, dtype=np.float64)
    cols = [X[:, j] for j in range(X.shape[1])]
    name = getattr(f, "__name__", "f")
    try:
        y = f(*cols)
    except TypeError as exc:
        raise ConfigError(f"target {name!r} must take {len(cols)} array argument(s), one per "
                          f"input coordinate ({exc})") from None
    y = np.asarray(y, dtype=np.float64)
    if y.size == 1 and X.shape[0] != 1:
        y = np.full(X.shape[0], float(y.reshape(())))  # a constant function
    if y.size != X.shape[0]:
        raise ConfigError(f"target {name!r} returned {y.size} values for {X.shape[0]} points; "
                          "it must return one value per point")
    y = y.reshape(-1)
    if not np.all(np.isfinite(y)):
        raise DataError(f"target {name!r} is not finite on the whole domain; choose another "
                        "domain")
    return y
