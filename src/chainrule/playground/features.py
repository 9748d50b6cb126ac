"""The input features a network can be fed: TF Playground's seven, under its URL keys."""

from __future__ import annotations

import numpy as np

# key -> (label shown on the page, label in files and scripts, the feature of (x1, x2))
FEATURES = {
    "x": ("X₁", "x1", lambda a, b: a),
    "y": ("X₂", "x2", lambda a, b: b),
    "xSquared": ("X₁²", "x1^2", lambda a, b: a * a),
    "ySquared": ("X₂²", "x2^2", lambda a, b: b * b),
    "xTimesY": ("X₁X₂", "x1*x2", lambda a, b: a * b),
    "sinX": ("sin(X₁)", "sin(x1)", lambda a, b: np.sin(a)),
    "sinY": ("sin(X₂)", "sin(x2)", lambda a, b: np.sin(b)),
}
KEYS = tuple(FEATURES)
DEFAULT = {key: key in ("x", "y") for key in KEYS}
#: Features that do not depend on x2: a network fed only these is a function of x1.
OF_X1 = frozenset({"x", "xSquared", "sinX"})


def expand(points: np.ndarray, keys, dtype=np.float32) -> np.ndarray:
    """The chosen features of 2-D ``points`` (n, 2), as the network's input (n, len(keys))."""
    a, b = points[:, 0], points[:, 1]
    return np.column_stack([FEATURES[k][2](a, b) for k in keys]).astype(dtype, copy=False)


def labels(keys) -> list:
    return [FEATURES[k][0] for k in keys]


def names(keys) -> list:
    return [FEATURES[k][1] for k in keys]
