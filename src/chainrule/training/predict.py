"""Inference: ``predict``, ``predict_proba`` and ``evaluate`` on raw (unscaled) data.

The model carries what it learned from: an input ``nn.Standardize`` (from
``fit(..., standardize=True)``) scales raw inputs inside ``model(X)``, and ``model.info`` names
the task and the classes. So callers pass the data as it comes, and ``predict`` answers with
class names, as the CLI and scikit-learn do. Forward passes run in eval mode, without a
graph, in batches (memory stays flat for large inputs).
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import no_grad
from chainrule.errors import ConfigError, DataError, ShapeError
from chainrule.nn.info import TrainingInfo
from chainrule.nn.module import Module
from chainrule.nn.standardize import input_standardize
from chainrule.tensor import Tensor
from chainrule.training.losses import infer_task, loss_value, prepare_targets
from chainrule.training.metrics import make_trackers
from chainrule.validation import integer


def prepare_inputs(model, X) -> np.ndarray:
    """``X`` as the model takes it: shape (n, d), in ``input_dtype(model)``."""
    X = getattr(X, "X", X)  # a Dataset record or ArrayDataset: its features
    X = np.asarray(X)
    if X.ndim == 1:
        X = X.reshape(1, -1) if n_inputs(model) == X.shape[0] else X.reshape(-1, 1)
    if X.ndim != 2:
        raise DataError(f"expected inputs of shape (samples, features), found shape {X.shape}")
    if X.dtype.kind not in "biuf":
        raise DataError(f"expected numeric inputs, found dtype {X.dtype}")
    expected = n_inputs(model)
    if expected is not None and X.shape[1] != expected:
        raise ShapeError(
            f"the model expects {expected} input features, found {X.shape[1]}; use data with "
            "the same columns the model was trained on"
        )
    return np.ascontiguousarray(X, dtype=input_dtype(model))


def input_dtype(model) -> np.dtype:
    """float64 for a model that starts with an ``nn.Standardize`` (it scales in float64 and
    casts once, so raw inputs must reach it unrounded), else the model's own dtype."""
    return np.dtype(np.float64) if input_standardize(model) is not None else model_dtype(model)


def model_dtype(model) -> np.dtype:
    """The float dtype of the model's parameters (inputs are cast to it once)."""
    dtype = getattr(model, "dtype", None)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return np.dtype(np.float32)
    return dtype if dtype.kind == "f" else np.dtype(np.float32)


def n_inputs(model) -> int | None:
    """The number of input features ``model`` takes: the ``in_features`` of its first layer
    that declares one, or None when no layer says (a custom module)."""
    for module in _modules(model):
        n = getattr(module, "in_features", None)
        if isinstance(n, int):
            return n
    return None


def _modules(model):
    modules = getattr(model, "modules", None)
    return list(modules()) if callable(modules) else []


def record(model) -> TrainingInfo:
    """The model's training record (defaults for anything that is not a chainrule Module)."""
    return model.info if isinstance(model, Module) else TrainingInfo()


def outputs(model, X, batch_size: int = 1024, prepared: bool = False) -> np.ndarray:
    """The model's raw outputs (logits for classifiers) for every row of ``X``."""
    batch_size = integer(batch_size, "batch_size", minimum=1)
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
    """The model's task: its record's, else what ``infer_task`` reads off its outputs."""
    return infer_task(record(model).task, out=out)


def n_classes(out: np.ndarray, task: str) -> int:
    """How many classes the outputs score: one logit per class, or one logit for two."""
    return 2 if task == "binary" else out.shape[1]


def class_names(model, n: int) -> list:
    """The names of the model's ``n`` classes: its record's, else "0", "1", ..."""
    names = record(model).classes
    if names is None:
        return [str(i) for i in range(n)]
    if len(names) != n:
        raise ConfigError(
            f"the model's training record names {len(names)} classes ({', '.join(names)}) but "
            f"the model scores {n}; set model.info.classes to one name per class"
        )
    return list(names)


def class_indices(out: np.ndarray, task: str) -> np.ndarray:
    """The most probable class of each row, as an index 0..C-1."""
    if task == "binary":
        return (out.reshape(len(out)) > 0).astype(np.int64)
    return out.argmax(axis=1)


def probabilities(out: np.ndarray, task: str) -> np.ndarray:
    """Class probabilities (n, C) from a classifier's logits (sigmoid for one binary logit)."""
    out = out.astype(np.float64)
    if task == "regression":
        raise ConfigError("predict_proba needs a classifier; this model does regression")
    if task == "binary":
        p = 1 / (1 + np.exp(-out.reshape(len(out))))
        return np.column_stack([1 - p, p])
    z = out - out.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def label_indices(model, y, n: int) -> np.ndarray:
    """Class targets given as names (the model's classes) or as indices, as indices."""
    y = np.asarray(y)
    if y.dtype.kind not in "OUS":
        return y  # indices already, or one-hot / probability rows
    names = class_names(model, n)
    index = {c: i for i, c in enumerate(names)}
    flat = [str(v) for v in y.reshape(-1)]
    unknown = next((v for v in flat if v not in index), None)
    if unknown is not None:
        raise DataError(f"label {unknown!r} is not one of the model's classes "
                        f"({', '.join(names)}); give class names or indices 0..{n - 1}")
    return np.array([index[v] for v in flat], dtype=np.int64).reshape(y.shape)


def predict(model, X, batch_size: int = 1024) -> np.ndarray:
    """Class labels (n,) for a classifier: the names in ``model.info.classes`` when the model
    knows them, else indices 0..C-1 (as the CLI and scikit-learn do); values (n, k) for a
    regression model."""
    out = outputs(model, X, batch_size)
    task = model_task(model, out)
    if task == "regression":
        return out
    labels = class_indices(out, task)
    if record(model).classes is None:
        return labels
    return np.asarray(class_names(model, n_classes(out, task)))[labels]


def predict_proba(model, X, batch_size: int = 1024) -> np.ndarray:
    """Class probabilities (n, C), columns in the order of ``model.info.classes``: softmax of
    the logits (sigmoid for one binary logit)."""
    out = outputs(model, X, batch_size)
    return probabilities(out, model_task(model, out))


def evaluate(model, X, y=None, metrics="auto", batch_size: int = 1024) -> dict:
    """Loss and metrics of ``model`` on ``(X, y)``: e.g. ``{"loss": 0.08, "accuracy": 0.97}``.

    The loss matches the task: cross-entropy for classifiers, binary cross-entropy for one
    logit, mean squared error for regression. Class targets may be indices or class names.
    """
    if y is None:
        y = getattr(X, "y", None)
        if y is None:
            raise DataError("evaluate needs targets: pass evaluate(model, X, y)")
    out = outputs(model, X, batch_size)
    task = model_task(model, out)
    if task != "regression":
        y = label_indices(model, y, n_classes(out, task))
    return score(out, y, task, metrics)


def score(out: np.ndarray, y, task: str, metrics="auto", loss_fn=None) -> dict:
    """Loss and metrics from outputs already computed (shared by ``evaluate`` and the CLI)."""
    y = prepare_targets(y, task, len(out), out.dtype if out.dtype.kind == "f" else np.float32)
    if task == "classification" and y.ndim == 1 and len(y) and (
            y.min() < 0 or y.max() >= out.shape[1]):
        raise DataError(f"the model scores {out.shape[1]} classes but the targets hold label "
                        f"{int(y.max() if y.max() >= out.shape[1] else y.min())}; give class "
                        f"indices 0..{out.shape[1] - 1} or class names")
    result = {"loss": loss_value(out, y, task, loss_fn)}
    for tracker in make_trackers(metrics, task):
        tracker.reset()
        tracker.update(out, y)
        result[tracker.name] = tracker.result()
    return result
