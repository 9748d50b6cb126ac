"""The user's own data: points clicked on the map, or a CSV file of x1, x2 and a label.

Uploads are read by ``chainrule.data.load_csv`` (one reader, one set of error messages that
name the line and column); the playground adds its own limits: two feature columns, at most
``MAX_CLASSES`` classes, points inside the view, a size cap before anything is parsed.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np

from chainrule.data import load_csv
from chainrule.errors import DataError
from chainrule.playground.datasets import RADIUS
from chainrule.playground.settings import MAX_CLASSES, MIN_CLASSES

MAX_POINTS = 5000
MAX_UPLOAD_BYTES = 1_000_000
MAX_LINK_POINTS = 300  # your own points travel in the page's link up to this many


def display_name(name) -> str:
    """A file name safe to show and to write in a temporary folder."""
    base = Path(str(name)).name if isinstance(name, str) else ""
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base)[:80].strip(" .")
    return base or "upload.csv"


def parse_csv(name: str, text: str):
    """``(points (n, 2), labels, task, class names or None)`` from an uploaded CSV's text."""
    shown = display_name(name)
    size = len(text.encode())
    if size > MAX_UPLOAD_BYTES:
        raise DataError(f"{shown}: {size:,} bytes is more than the {MAX_UPLOAD_BYTES:,} a "
                        "playground upload may have; upload a smaller file")
    with tempfile.TemporaryDirectory(prefix="chainrule-upload-") as folder:
        path = Path(folder) / (shown if shown.lower().endswith(".csv") else shown + ".csv")
        path.write_text(text, encoding="utf-8")
        try:
            data = load_csv(path)
        except DataError as exc:
            raise DataError(str(exc).replace(str(path), shown)) from None
    if data.n_features != 2:
        raise DataError(f"{shown}: found {data.n_features} feature column(s) "
                        f"({', '.join(data.feature_names)}); the playground needs exactly two "
                        "(x1, x2) and a last column with the label")
    if len(data.X) > MAX_POINTS:
        raise DataError(f"{shown}: {len(data.X):,} rows; the playground takes at most "
                        f"{MAX_POINTS:,} points")
    check_inside(data.X, shown)
    if data.task == "classification":
        k = len(data.classes)
        if not MIN_CLASSES <= k <= MAX_CLASSES:
            raise DataError(f"{shown}: the label column has {k} classes; the playground shows "
                            f"{MIN_CLASSES} to {MAX_CLASSES}")
        return data.X, data.y, "classification", list(data.classes)
    return data.X, data.y[:, 0], "regression", None


def check_inside(points: np.ndarray, where: str) -> None:
    worst = np.abs(points).max(axis=0) if len(points) else np.zeros(2)
    for j in range(2):
        if worst[j] > RADIUS:
            lo, hi = points[:, j].min(), points[:, j].max()
            raise DataError(f"{where}: x{j + 1} ranges from {lo:g} to {hi:g}, but the map "
                            f"shows [-{RADIUS:g}, {RADIUS:g}]; rescale the data into that square")
