"""Preparing arrays for training: a seeded (stratified) split and a feature standardizer."""

import math
import numbers

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.validation import generator


def train_test_split(X, y, test_size=0.25, seed=0, stratify=None):
    """Split into ``X_train, X_test, y_train, y_test`` in a random order fixed by ``seed``.

    ``test_size`` is a fraction in (0, 1) (the test set gets ``ceil(test_size * n)`` samples) or a
    count. ``stratify`` is an array of labels (or ``True`` for ``y``): each label then keeps its
    share of the data in both parts, up to rounding. ``y`` may be None.
    """
    X = np.asarray(X)
    if X.ndim == 0:
        raise DataError("X must have one entry per sample, found a scalar")
    n = len(X)
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != n:
            raise DataError(f"X has {n} samples but y has {len(y) if y.ndim else 'no'} entries")
    n_test = _test_count(test_size, n)
    rng = generator(seed, allow_none=False)
    if stratify is None or stratify is False:
        order = rng.permutation(n)
        test, train = order[:n_test], order[n_test:]
    else:
        labels = y if stratify is True else np.asarray(stratify)
        if labels is None or labels.ndim != 1 or len(labels) != n:
            raise DataError(f"stratify must be a 1-D array with one label per sample ({n}), found "
                            f"{'nothing' if labels is None else labels.shape}")
        test, train = _stratified(labels, n_test, rng)
    if y is None:
        return X[train], X[test], None, None
    return X[train], X[test], y[train], y[test]


def _test_count(test_size, n):
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise ConfigError(f"test_size must be a fraction or a count, found {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    else:
        raise ConfigError(f"test_size as a fraction must lie strictly between 0 and 1, found "
                          f"{test_size}")
    if not 1 <= n_test <= n - 1:
        raise ConfigError(f"test_size={test_size!r} gives {n_test} test samples out of {n}; both "
                          "parts need at least one sample")
    return n_test


def _stratified(labels, n_test, rng):
    """Test and train indices; each class's test share is n_test/n up to rounding."""
    _, cls, counts = np.unique(labels, return_inverse=True, return_counts=True)
    exact = counts * n_test / len(labels)
    per_class = np.floor(exact).astype(np.int64)
    # Hand the seats left by rounding down to the classes that lost the most (largest remainder).
    short = n_test - per_class.sum()
    per_class[np.argsort(per_class - exact, kind="stable")[:short]] += 1
    # Random order, then grouped by class (stable sort keeps the random order within a class).
    order = rng.permutation(len(labels))
    order = order[np.argsort(cls[order], kind="stable")]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(order)) - starts[cls[order]]
    in_test = rank < per_class[cls[order]]
    return rng.permutation(order[in_test]), rng.permutation(order[~in_test])


class Standardizer:
    """Rescale each feature to mean 0 and standard deviation 1, using statistics from ``fit``.

    Fit on the training set only and reuse it for validation/test data, so no test statistics
    leak into training. A constant feature gets ``scale_`` 1 (it is only centred).
    """

    def __init__(self):
        self.mean_ = None
        self.scale_ = None

    def fit(self, X):
        """Learn ``mean_`` and ``scale_`` (population std) per feature of a 2-D ``X``."""
        X = _check_2d(X, "fit")
        if len(X) == 0:
            raise DataError("cannot fit a Standardizer on 0 samples")
        if not np.all(np.isfinite(X)):
            raise DataError("cannot fit a Standardizer on data containing NaN or infinity")
        self.mean_ = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        """``(X - mean_) / scale_``, in X's float dtype (float64 for integer input)."""
        X = self._check(X, "transform")
        return ((X - self.mean_) / self.scale_).astype(_float_dtype(X), copy=False)

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        """Undo ``transform``: ``Z * scale_ + mean_``."""
        Z = self._check(Z, "inverse_transform")
        return (Z * self.scale_ + self.mean_).astype(_float_dtype(Z), copy=False)

    def _check(self, X, method):
        if self.mean_ is None:
            raise ConfigError(f"this Standardizer is not fitted yet; call fit(X_train) before "
                              f"{method}()")
        X = _check_2d(X, method)
        if X.shape[1] != len(self.mean_):
            raise DataError(f"{method}() got {X.shape[1]} features, but the Standardizer was "
                            f"fitted on {len(self.mean_)}")
        return X

    def to_dict(self):
        """Plain lists, for storing in a JSON model file."""
        if self.mean_ is None:
            raise ConfigError("this Standardizer is not fitted yet; nothing to save")
        return {"mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, state):
        """Rebuild a fitted Standardizer from ``to_dict()``'s output."""
        try:
            mean = np.asarray(state["mean"], dtype=np.float64)
            scale = np.asarray(state["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError("a Standardizer state needs lists 'mean' and 'scale' of numbers, "
                            f"found {state!r}") from exc
        if mean.ndim != 1 or mean.shape != scale.shape:
            raise DataError(f"Standardizer state: 'mean' and 'scale' must be lists of equal "
                            f"length, found shapes {mean.shape} and {scale.shape}")
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise DataError("Standardizer state: 'mean' must be finite and 'scale' positive")
        self = cls()
        self.mean_, self.scale_ = mean, scale
        return self

    def __repr__(self):
        fitted = "unfitted" if self.mean_ is None else f"{len(self.mean_)} features"
        return f"Standardizer({fitted})"


def _check_2d(X, method):
    X = np.asarray(X)
    if X.ndim != 2:
        raise DataError(f"{method}() expects a 2-D array (samples, features), found shape "
                        f"{X.shape}")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise DataError(f"{method}() expects numbers, found dtype {X.dtype}")
    return X


def _float_dtype(X):
    # Keep float32 as float32 (dtype never changes silently); integers become float64.
    return X.dtype if np.issubdtype(X.dtype, np.floating) else np.float64
