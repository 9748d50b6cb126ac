"""Loss functions by name, and targets shaped the way each loss wants them."""

from __future__ import annotations

import numpy as np

import chainrule.functional as F
from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, DataError
from chainrule.nn.info import TASKS
from chainrule.tensor import Tensor

# name -> (function(outputs, targets) -> scalar Tensor, task)
LOSSES = {
    "cross_entropy": (F.cross_entropy, "classification"),
    "mse": (F.mse_loss, "regression"),
    "bce": (F.binary_cross_entropy_with_logits, "binary"),
}
_ALIASES = {"ce": "cross_entropy", "crossentropy": "cross_entropy", "mse_loss": "mse",
            "binary_cross_entropy": "bce", "bce_with_logits": "bce"}
# Loss modules of chainrule.nn, recognised by class name (nn sits above this file's imports).
_MODULE_TASKS = {"CrossEntropyLoss": "classification", "MSELoss": "regression",
                 "BCEWithLogitsLoss": "binary"}
_TASK_LOSS = {task: fn for fn, task in LOSSES.values()}


def resolve_loss(loss):
    """``(function, task)`` for a loss name, a loss module or a function (task may be None)."""
    if isinstance(loss, str):
        key = _ALIASES.get(loss.lower(), loss.lower())
        if key not in LOSSES:
            raise ConfigError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)} or pass "
                              "a function loss(outputs, targets) -> Tensor")
        return LOSSES[key]
    if callable(loss):
        return loss, _MODULE_TASKS.get(type(loss).__name__)
    raise ConfigError(f"loss must be a name ({', '.join(LOSSES)}) or a function, found {loss!r}")


def infer_task(known=None, y=None, out=None) -> str:
    """The task, decided here and nowhere else: ``"classification"``, ``"binary"`` or
    ``"regression"``.

    ``known`` (the loss's task, or the model's training record) wins. Without it, integer
    targets ``y`` are class labels; outputs ``out`` of shape (n, C > 1) are class logits;
    anything else is regression.
    """
    if known in TASKS:
        return known
    if y is not None:
        return "classification" if np.asarray(y).dtype.kind in "biu" else "regression"
    if out is not None and np.ndim(out) == 2 and np.shape(out)[1] > 1:
        return "classification"
    return "regression"


def prepare_targets(y, task: str, n: int, dtype=np.float32) -> np.ndarray:
    """Targets as the loss needs them: int64 (n,) classes, else ``dtype`` (n, k)."""
    y = np.asarray(y)
    if len(y) != n:
        raise DataError(f"{n} samples but {len(y)} targets; give one target per sample")
    if task == "classification":
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            # One-hot or probability rows: the fused cross-entropy accepts them as they are.
            return np.ascontiguousarray(y, dtype=dtype)
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            raise DataError("classification targets must be class indices 0..C-1, found "
                            "fractional values; use loss='mse' for regression")
        if y.dtype.kind not in "biuf":
            raise DataError(f"classification targets must be class indices, found dtype {y.dtype}")
        return y.astype(np.int64, copy=False)
    if y.dtype.kind not in "biuf":
        raise DataError(f"{task} targets must be numbers, found dtype {y.dtype}")
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    return np.ascontiguousarray(y, dtype=dtype)


def loss_value(out: np.ndarray, y: np.ndarray, task: str, loss_fn=None) -> float:
    """The loss of ``out`` against prepared targets, as a float, without recording a graph."""
    fn = loss_fn or _TASK_LOSS[task]
    with no_grad():
        return float(fn(Tensor._wrap(out), y).data)
