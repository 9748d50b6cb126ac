"""The ``Dataset`` record every loader returns: arrays plus what they mean."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chainrule.errors import DataError

TASKS = ("classification", "regression")


@dataclass(repr=False)
class Dataset:
    """A data set: features ``X``, targets ``y`` and a description of both.

    ``X`` is float64 of shape (n, d). For ``task == "classification"``, ``y`` is int64 of shape
    (n,) holding indices into ``classes`` (class names as strings). For ``"regression"``, ``y`` is
    float64 of shape (n, k) and ``classes`` is None. ``X_test``/``y_test`` hold a published test
    split when the data set has one, else None.
    """

    X: np.ndarray
    y: np.ndarray
    task: str
    classes: list | None = None
    feature_names: list = field(default_factory=list)
    name: str = ""
    description: str = ""
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None

    def __post_init__(self):
        # Validate once here so every loader (and every user-built record) meets one contract.
        if self.task not in TASKS:
            raise DataError(f"data set {self.name!r}: task must be one of {TASKS}, "
                            f"found {self.task!r}")
        if not self.feature_names:
            self.feature_names = [f"x{j + 1}" for j in range(np.shape(self.X)[-1])]
        self.feature_names = [str(f) for f in self.feature_names]
        if self.classes is not None:
            self.classes = [str(c) for c in self.classes]
        self._check_pair(self.X, self.y, "X", "y")
        if (self.X_test is None) != (self.y_test is None):
            raise DataError(f"data set {self.name!r}: X_test and y_test must be given together")
        if self.X_test is not None:
            self._check_pair(self.X_test, self.y_test, "X_test", "y_test")

    def _check_pair(self, X, y, xname, yname):
        where = f"data set {self.name!r}"
        if not isinstance(X, np.ndarray) or X.dtype != np.float64 or X.ndim != 2:
            raise DataError(f"{where}: {xname} must be a float64 array of shape (n, d), found "
                            f"{_describe(X)}")
        if X.shape[1] != len(self.feature_names):
            raise DataError(f"{where}: {xname} has {X.shape[1]} features but there are "
                            f"{len(self.feature_names)} feature names")
        if not isinstance(y, np.ndarray) or len(y) != len(X):
            raise DataError(f"{where}: {yname} must be an array with one entry per row of "
                            f"{xname} ({len(X)}), found {_describe(y)}")
        if self.task == "classification":
            if self.classes is None:
                raise DataError(f"{where}: a classification data set needs class names")
            if y.dtype != np.int64 or y.ndim != 1:
                raise DataError(f"{where}: classification {yname} must be int64 of shape (n,), "
                                f"found {_describe(y)}")
            if len(y) and (y.min() < 0 or y.max() >= len(self.classes)):
                raise DataError(f"{where}: {yname} holds labels outside 0..{len(self.classes) - 1} "
                                f"(there are {len(self.classes)} classes)")
        else:
            if self.classes is not None:
                raise DataError(f"{where}: a regression data set has no classes")
            if y.dtype != np.float64 or y.ndim != 2:
                raise DataError(f"{where}: regression {yname} must be float64 of shape (n, k), "
                                f"found {_describe(y)}")

    @property
    def n_features(self):
        """Number of input features d."""
        return self.X.shape[1]

    @property
    def n_classes(self):
        """Number of classes, or None for regression."""
        return None if self.classes is None else len(self.classes)

    def __len__(self):
        return len(self.X)

    def __repr__(self):
        # The default dataclass repr would print every array element.
        parts = [f"name={self.name!r}", f"task={self.task!r}", f"X={self.X.shape}",
                 f"y={self.y.shape}"]
        if self.classes is not None:
            shown = self.classes if len(self.classes) <= 10 else [*self.classes[:10], "..."]
            parts.append(f"classes={shown}")
        if self.X_test is not None:
            parts.append(f"X_test={self.X_test.shape}")
        return f"Dataset({', '.join(parts)})"


def _describe(a):
    if isinstance(a, np.ndarray):
        return f"{a.dtype} array of shape {a.shape}"
    return type(a).__name__
