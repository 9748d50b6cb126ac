"""How arrays read in traces and pictures: small ones in full, large ones as a summary."""

from __future__ import annotations

import html

import numpy as np

FULL_LIMIT = 24  # arrays with at most this many elements are printed in full


def summary(a: np.ndarray) -> str:
    a = np.asarray(a)
    if a.size == 0:
        return f"shape {a.shape} (empty)"
    f = a.astype(np.float64, copy=False)
    return (f"shape {a.shape}: mean {f.mean():.4g}, std {f.std():.4g}, "
            f"min {f.min():.4g}, max {f.max():.4g}")


def fmt(a, precision: int = 4, limit: int = FULL_LIMIT, oneline: bool = False) -> str:
    """The values when small (a matrix one row per line unless ``oneline``), the shape and
    summary statistics when large."""
    a = np.asarray(a)
    if a.size > limit:
        return summary(a)
    if a.dtype.kind == "f":
        a = a + 0.0  # -0.0 (from a ReLU mask) prints as 0
    if a.ndim == 0:
        return _scalar(a.item(), precision)
    text = np.array2string(a, precision=precision, separator=", ", suppress_small=True,
                           max_line_width=10**6, floatmode="maxprec")
    return " ".join(text.split("\n")) if oneline else text


def indent(text: str, column: int) -> str:
    """Continue a multi-line value under its first line."""
    return text.replace("\n", "\n" + " " * column)


def _scalar(v, precision):
    if isinstance(v, float):
        return np.format_float_positional(v, precision=precision, trim="-") \
            if 1e-4 <= abs(v) < 1e6 or v == 0 else f"{v:.{precision}e}"
    return str(v)


def tex(a, precision: int = 4, limit: int = FULL_LIMIT) -> str:
    """A bmatrix for small arrays (1-D as a column, as on the slides), else a summary."""
    a = np.asarray(a)
    if a.size > limit:
        return r"\text{" + summary(a).replace("_", r"\_") + "}"
    if a.ndim == 0:
        return _scalar(a.item(), precision)
    rows = a.reshape(-1, 1) if a.ndim == 1 else a.reshape(a.shape[0], -1)
    body = r" \\ ".join(" & ".join(_scalar(float(v), precision) for v in r) for r in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def esc(s: str) -> str:
    return html.escape(str(s), quote=True)
