"""One frame of the page from one forward pass: heat maps as bytes, losses, metrics, dead units.

The session evaluates its network once per frame on the rows ``[view; train; test]`` (the view
is the 100 x 100 grid over [-6, 6]², or 200 points along x1 for a 1-D problem) and hands every
layer's pre-activations and outputs here.
"""

from __future__ import annotations

import numpy as np

from chainrule import functional as F
from chainrule.autograd import no_grad
from chainrule.playground.frames import finite, signed_bytes, unit_bytes
from chainrule.tensor import Tensor
from chainrule.training import metrics

GRID = 100      # the output heat map: GRID x GRID cells over [-6, 6]²
THUMB = 25      # a neuron's thumbnail: GRID / THUMB cells averaged into one
CURVE = 200     # points along x1 of a 1-D problem's curve
CURVE_THUMB = 50


def grid_points(n: int = GRID, radius: float = 6.0) -> np.ndarray:
    """Cell centres row by row from the top (x2 = 6) down, each row from x1 = -6 to 6."""
    ticks = np.linspace(-radius, radius, n)
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def curve_points(n: int = CURVE, radius: float = 6.0) -> np.ndarray:
    return np.column_stack([np.linspace(-radius, radius, n), np.zeros(n)])


def _fold(op, a: np.ndarray, axis: int) -> np.ndarray:
    """``op.reduce`` over a short axis as a few whole-array ops: NumPy's reductions along an
    axis of 2 to 5 entries cost ten times more than adding the slices."""
    parts = np.moveaxis(a, axis, 0)
    out = parts[0].copy()
    for part in parts[1:]:
        op(out, part, out=out)
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - _fold(np.maximum, z, 1)[:, None])
    e /= _fold(np.add, e, 1)[:, None]
    return e


def loss(out: np.ndarray, y: np.ndarray, task: str) -> float | None:
    """The training loss (mean cross-entropy or mean squared error) on one split."""
    if len(y) == 0:
        return None
    with no_grad():
        if task == "classification":
            value = F.cross_entropy(Tensor(out), y)
        else:
            value = F.mse_loss(Tensor(out), y.reshape(-1, 1))
    return finite(value.item())


def scores(out: np.ndarray, y: np.ndarray, task: str, n_classes: int) -> dict:
    """Accuracy and confusion matrix, or R², of one split (None where it has no points)."""
    if task == "classification":
        if len(y) == 0 or not np.all(np.isfinite(out)):
            return {"accuracy": None, "confusion": None}
        pred = out.argmax(axis=1)
        return {"accuracy": metrics.accuracy(y, pred),
                "confusion": metrics.confusion_matrix(y, pred, n_classes).tolist()}
    if len(y) < 2 or not np.all(np.isfinite(out)):
        return {"r2": None}
    return {"r2": finite(metrics.r2(y, out[:, 0]))}


def dead_units(stages, layers, train: slice) -> list:
    """Per hidden layer: units whose derivative g'(z) is exactly 0 on every training point
    (a dead ReLU; every unit of a step layer, whose true derivative is 0)."""
    out = []
    for (_, act), (z, _) in zip(stages[:-1], layers[:-1]):
        reg = act.activation
        z_train = z[train]
        if reg.derivative is None or len(z_train) == 0:
            out.append(None)
            continue
        slope = np.asarray(reg.derivative(z_train, **act.options))
        out.append(int(np.all(slope == 0, axis=0).sum()))
    return out


def _thumbs(values: np.ndarray, n: int) -> np.ndarray:
    """(GRID², units) -> (units, THUMB, THUMB), each thumbnail cell a block average."""
    k, units = n // THUMB, values.shape[1]
    rows = _fold(np.add, values.reshape(THUMB, k, n, units), 1)
    cells = _fold(np.add, rows.reshape(THUMB, THUMB, k, units), 2)
    return (cells / (k * k)).transpose(2, 0, 1)


def plane_blocks(layers, task: str, n_rows: int, value_scale: float, focus) -> dict:
    """The heat maps: output (class and confidence, or value), every unit's thumbnail, and
    the focused unit at full size."""
    out = layers[-1][1][:n_rows]
    hidden = [h[:n_rows] for _, h in layers[:-1]]
    side = int(round(np.sqrt(n_rows)))
    blocks = {}
    if task == "classification":
        p = softmax(out)
        k = p.shape[1]
        best = p.max(axis=1)
        blocks["output"] = p.argmax(axis=1).astype(np.uint8).reshape(side, side)
        blocks["confidence"] = unit_bytes((best - 1 / k) / (1 - 1 / k)).reshape(side, side)
        last = unit_bytes(_thumbs(p, side))
        full_last = p
    else:
        blocks["output"] = signed_bytes(out[:, 0], value_scale).reshape(side, side)
        last = signed_bytes(_thumbs(out, side), value_scale)
        full_last = out / value_scale
    thumbs = [signed_bytes(_thumbs(h, side)) for h in hidden] + [last]
    blocks["units"] = np.concatenate(thumbs) if thumbs else np.zeros((0, THUMB, THUMB))
    if focus is not None:
        layer, unit = focus
        if layer < len(hidden) and unit < hidden[layer].shape[1]:
            blocks["focus"] = signed_bytes(hidden[layer][:, unit]).reshape(side, side)
        elif layer == len(hidden) and unit < full_last.shape[1]:
            values = full_last[:, unit]
            blocks["focus"] = (unit_bytes(values) if task == "classification"
                               else signed_bytes(values)).reshape(side, side)
    return blocks


def curve_blocks(layers, n_rows: int) -> dict:
    """A 1-D problem: the network's curve along x1 and every unit's curve, as float32."""
    step = max(1, n_rows // CURVE_THUMB)
    units = np.concatenate([h[:n_rows:step] for _, h in layers], axis=1).T
    return {"curve": layers[-1][1][:n_rows, 0].astype(np.float32),
            "units": units.astype(np.float32)}
