"""Inference: ``predict``, ``predict_proba`` and ``evaluate`` on raw (unscaled) data.

A model that ``fit`` or ``load`` gave a ``standardizer`` applies it here first, so callers
always pass the data as it comes. Forward passes run in eval mode, without a graph, in
batches (memory stays flat for large inputs).
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, DataError, ShapeError
from chainrule.tensor import Tensor
from chainrule.training.losses import loss_value, prepare_targets
from chainrule.training.metrics import make_trackers


def prepare_inputs(model, X) -> np.ndarray:
    """``X`` in the model's dtype (float32 unless it is a float64 model), shape (n, d),
    standardized with the model's standardizer if it has one."""
    X = getattr(X, "X", X)  # a Dataset record or ArrayDataset: its features
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1) if _n_inputs(model) == X.shape[0] else X.reshape(-1, 1)
    if X.ndim != 2:
        raise DataError(f"expected inputs of shape (samples, features), found shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise DataError(f"expected numeric inputs, found dtype {X.dtype}")
    expected = _n_inputs(model)
    if expected is not None and X.shape[1] != expected:
        raise ShapeError(
            f"the model expects {expected} input features, found {X.shape[1]}; use data with "
            "the same columns the model was trained on"
        )
    std = getattr(model, "standardizer", None)
    if std is not None:
        X = std.transform(X.astype(np.float64, copy=False))
    return np.ascontiguousarray(X, dtype=model_dtype(model))


def model_dtype(model) -> np.dtype:
    """The float dtype of the model's parameters (inputs are cast to it once)."""
    dtype = getattr(model, "dtype", None)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return np.dtype(np.float32)
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def _n_inputs(model):
    """Number of input features the model takes, if its first layer says so."""
    std = getattr(model, "standardizer", None)
    if std is not None and getattr(std, "mean_", None) is not None:
        return len(std.mean_)
    for module in _modules(model):
        n = getattr(module, "in_features", None)
        if isinstance(n, int):
            return n
    return None


def _modules(model):
    modules = getattr(model, "modules", None)
    return list(modules()) if callable(modules) else []


def outputs(model, X, batch_size: int = 1024, prepared: bool = False) -> np.ndarray:
    """The model's raw outputs (logits for classifiers) for every row of ``X``."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"batch_size must be a whole number >= 1, found {batch_size!r}")
    X = X if prepared else prepare_inputs(model, X)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            parts = [model(Tensor._wrap(X[i:i + batch_size])).data
                     for i in range(0, len(X), batch_size)]
    finally:
        if was_training and hasattr(model, "train"):
            model.train()
    if not parts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def model_task(model, out: np.ndarray | None = None) -> str:
    """``"classification"``, ``"binary"`` or ``"regression"``: the model's own, or a guess."""
    task = getattr(model, "task", None)
    if task in ("classification", "binary", "regression"):
        return task
    if out is not None and out.ndim == 2 and out.shape[1] > 1:
        return "classification"
    return "regression"


def predict(model, X, batch_size: int = 1024) -> np.ndarray:
    """Class indices (n,) for a classifier; values (n, k) for a regression model."""
    out = outputs(model, X, batch_size)
    task = model_task(model, out)
    if task == "classification":
        return out.argmax(axis=1)
    if task == "binary":
        return (out.reshape(len(out)) > 0).astype(np.int64)
    return out


def predict_proba(model, X, batch_size: int = 1024) -> np.ndarray:
    """Class probabilities (n, C): softmax of the logits (sigmoid for one binary logit)."""
    out = outputs(model, X, batch_size).astype(np.float64)
    task = model_task(model, out)
    if task == "regression":
        raise ConfigError("predict_proba needs a classifier; this model does regression")
    if task == "binary":
        p = 1 / (1 + np.exp(-out.reshape(len(out))))
        return np.column_stack([1 - p, p])
    z = out - out.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def evaluate(model, X, y=None, metrics="auto", batch_size: int = 1024) -> dict:
    """Loss and metrics of ``model`` on ``(X, y)``: e.g. ``{"loss": 0.08, "accuracy": 0.97}``.

    The loss matches the task: cross-entropy for classifiers, binary cross-entropy for one
    logit, mean squared error for regression.
    """
    if y is None:
        y = getattr(X, "y", None)
        if y is None:
            raise DataError("evaluate needs targets: pass evaluate(model, X, y)")
    out = outputs(model, X, batch_size)
    task = model_task(model, out)
    return score(out, y, task, metrics)


def score(out: np.ndarray, y, task: str, metrics="auto", loss_fn=None) -> dict:
    """Loss and metrics from outputs already computed (shared by ``evaluate`` and ``fit``)."""
    y = prepare_targets(y, task, len(out), out.dtype if out.dtype.kind == "f" else np.float32)
    result = {"loss": loss_value(out, y, task, loss_fn)}
    for tracker in make_trackers(metrics, task):
        tracker.reset()
        tracker.update(out, y)
        result[tracker.name] = tracker.result()
    return result
