"""Metrics: plain functions on arrays, and running trackers the training loop feeds per batch.

The functions follow scikit-learn's conventions (confusion matrix rows are true classes,
columns predicted classes; a class never predicted has precision 0). The trackers keep a few
sums so an epoch's metric costs no second pass over the data.
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import ConfigError, ShapeError


def _labels(y) -> np.ndarray:
    """Class indices: 1-D arrays are labels; 2-D arrays are scores, logits or one-hot rows
    (argmax), and a single column is one binary logit (class 1 when positive)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    if y.ndim == 2:
        return (y[:, 0] > 0).astype(np.int64)
    if y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ShapeError("1-D labels must be whole numbers; pass scores as a 2-D array")
    return y


def _pair(y_true, y_pred):
    y_true, y_pred = _labels(y_true), _labels(y_pred)
    if y_true.shape != y_pred.shape:
        raise ShapeError(
            f"{len(y_true)} true labels but {len(y_pred)} predictions; give one of each per sample"
        )
    return y_true.astype(np.int64, copy=False), y_pred.astype(np.int64, copy=False)


def accuracy(y_true, y_pred) -> float:
    """Fraction of correct predictions; labels (n,) or scores/logits (n, C) (argmax taken)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else float("nan")


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class i predicted as class j."""
    y_true, y_pred = _pair(y_true, y_pred)
    if n_classes is None:
        n_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if len(y_true) and (min(y_true.min(), y_pred.min()) < 0
                        or max(y_true.max(), y_pred.max()) >= n_classes):
        raise ShapeError(f"labels must lie in 0..{n_classes - 1} for {n_classes} classes")
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def classification_report(y_true, y_pred, classes=None) -> dict:
    """Per-class precision, recall, F1 and support, plus accuracy and macro/weighted averages.

    Returns ``{"classes": [{"class", "precision", "recall", "f1", "support"}, ...],
    "accuracy": a, "macro avg": {...}, "weighted avg": {...}}`` with plain floats and ints.
    """
    n = len(classes) if classes is not None else None
    cm = confusion_matrix(y_true, y_pred, n)
    names = [str(c) for c in classes] if classes is not None else [str(i) for i in range(len(cm))]
    tp = np.diag(cm).astype(np.float64)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    rows = [
        {"class": names[i], "precision": float(precision[i]), "recall": float(recall[i]),
         "f1": float(f1[i]), "support": int(support[i])}
        for i in range(len(cm))
    ]
    total = int(support.sum())
    w = support / total if total else np.zeros(len(cm))

    def avg(weights):
        return {"precision": float(np.sum(weights * precision)),
                "recall": float(np.sum(weights * recall)),
                "f1": float(np.sum(weights * f1)), "support": total}

    return {
        "classes": rows,
        "accuracy": float(tp.sum() / total) if total else float("nan"),
        "macro avg": avg(np.full(len(cm), 1 / len(cm)) if len(cm) else np.zeros(0)),
        "weighted avg": avg(w),
    }


def _regression_pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.ndim == 1:
        y_true = y_true.reshape(-1, 1)
    if y_pred.ndim == 1:
        y_pred = y_pred.reshape(-1, 1)
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"targets have shape {y_true.shape} but predictions {y_pred.shape}")
    return y_true, y_pred


def mse(y_true, y_pred) -> float:
    """Mean squared error over all samples and outputs."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return float(np.mean((y_true - y_pred) ** 2))


def mae(y_true, y_pred) -> float:
    """Mean absolute error over all samples and outputs."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def r2(y_true, y_pred) -> float:
    """Coefficient of determination, averaged over outputs (scikit-learn's ``r2_score``)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    sse = np.sum((y_true - y_pred) ** 2, axis=0)
    sst = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)
    return float(np.mean(_r2_from_sums(sse, sst)))


def _r2_from_sums(sse, sst):
    # A constant target: perfect predictions score 1, anything else 0 (scikit-learn's choice).
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sst > 0, 1 - sse / np.where(sst > 0, sst, 1), np.where(sse == 0, 1.0, 0.0))


# ------------------------------------------------------------------ running trackers (fit)


class Tracker:
    """A metric accumulated over the batches of an epoch: ``update`` per batch, ``result``."""

    name = "metric"
    higher_is_better = True

    def reset(self) -> None:
        raise NotImplementedError

    def update(self, outputs: np.ndarray, targets: np.ndarray) -> None:
        raise NotImplementedError

    def result(self) -> float:
        raise NotImplementedError


class Accuracy(Tracker):
    name = "accuracy"

    def reset(self):
        self.correct = 0
        self.count = 0

    def update(self, outputs, targets):
        if outputs.ndim == 2 and outputs.shape[1] > 1:
            pred = outputs.argmax(axis=1)
            if targets.ndim == 2:  # one-hot or probability rows
                targets = targets.argmax(axis=1)
        else:  # one logit per sample (binary cross-entropy): class 1 when positive
            pred = outputs.reshape(len(outputs)) > 0
            targets = targets.reshape(len(targets)) > 0.5
        self.correct += int(np.count_nonzero(pred == targets))
        self.count += len(outputs)

    def result(self):
        return self.correct / self.count if self.count else float("nan")


class MSE(Tracker):
    name = "mse"
    higher_is_better = False

    def reset(self):
        self.sse = 0.0
        self.count = 0

    def update(self, outputs, targets):
        d = outputs.astype(np.float64) - targets
        self.sse += float(np.sum(d * d))
        self.count += d.size

    def result(self):
        return self.sse / self.count if self.count else float("nan")


class MAE(MSE):
    name = "mae"

    def update(self, outputs, targets):
        self.sse += float(np.sum(np.abs(outputs.astype(np.float64) - targets)))
        self.count += outputs.size


class R2(Tracker):
    name = "r2"

    def reset(self):
        self.n = 0
        self.sums = None  # per output: sum y, sum y^2, sum (y - y_hat)^2

    def update(self, outputs, targets):
        y = targets.astype(np.float64).reshape(len(targets), -1)
        d = outputs.astype(np.float64).reshape(y.shape) - y
        batch = np.stack([y.sum(axis=0), (y * y).sum(axis=0), (d * d).sum(axis=0)])
        self.sums = batch if self.sums is None else self.sums + batch
        self.n += len(y)

    def result(self):
        if not self.n:
            return float("nan")
        sy, syy, sse = self.sums
        sst = np.maximum(syy - sy * sy / self.n, 0.0)
        return float(np.mean(_r2_from_sums(sse, sst)))


class FunctionTracker(Tracker):
    """A user's ``fn(outputs, targets) -> float``, averaged over batches weighted by size."""

    def __init__(self, fn):
        self.fn = fn
        self.name = getattr(fn, "__name__", "metric")

    def reset(self):
        self.total = 0.0
        self.count = 0

    def update(self, outputs, targets):
        self.total += float(self.fn(outputs, targets)) * len(outputs)
        self.count += len(outputs)

    def result(self):
        return self.total / self.count if self.count else float("nan")


TRACKERS = {"accuracy": Accuracy, "acc": Accuracy, "mse": MSE, "mae": MAE, "r2": R2}
_CLASSIFICATION_ONLY = {"accuracy"}
_REGRESSION_ONLY = {"mse", "mae", "r2"}


def make_trackers(metrics, task: str) -> list:
    """Trackers for ``metrics`` (names, callables or Trackers); ``"auto"`` picks by task."""
    if metrics == "auto" or metrics is None:
        metrics = ("r2",) if task == "regression" else ("accuracy",)
    if isinstance(metrics, (str, Tracker)) or callable(metrics):
        metrics = (metrics,)
    trackers = []
    for m in metrics:
        if isinstance(m, Tracker):
            trackers.append(m)
        elif isinstance(m, str):
            cls = TRACKERS.get(m.lower())
            if cls is None:
                raise ConfigError(
                    f"unknown metric {m!r}; choose from {', '.join(sorted(TRACKERS))} or pass "
                    "a function fn(outputs, targets) -> float"
                )
            if task == "regression" and cls.name in _CLASSIFICATION_ONLY:
                raise ConfigError(
                    f"metric {m!r} needs classes, but this is a regression task; use "
                    "metrics=('mse', 'r2')"
                )
            if task != "regression" and cls.name in _REGRESSION_ONLY:
                raise ConfigError(
                    f"metric {m!r} is for regression, but this is a classification task; use "
                    "metrics=('accuracy',)"
                )
            trackers.append(cls())
        elif callable(m):
            trackers.append(FunctionTracker(m))
        else:
            raise ConfigError(f"a metric must be a name or a function, found {m!r}")
    names = [t.name for t in trackers]
    if len(set(names)) != len(names):
        raise ConfigError(f"metric names must be distinct, found {names}")
    return trackers
