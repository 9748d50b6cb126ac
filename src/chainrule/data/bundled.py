"""Small real data sets generated or read offline through optional packages (extra "data")."""

import functools
import importlib.util
import random
from pathlib import Path

import numpy as np

from chainrule.errors import require
from chainrule.validation import integer

from .record import Dataset

_DIGIT_CLASSES = [str(d) for d in range(10)]


def digits():
    """scikit-learn's bundled 8x8 handwritten digits: 1797 images, 64 pixels scaled to [0, 1]."""
    table = _read_sklearn_csv("datasets/data/digits.csv.gz")
    if table is None:  # the file moved in some scikit-learn release: ask its loader
        bunch = require("sklearn.datasets", "data").load_digits()
        table = np.column_stack([bunch.data, bunch.target]).astype(np.float64)
    X = table[:, :-1] / 16.0  # pixel intensities are 0..16
    y = table[:, -1].astype(np.int64)
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Dataset(X, y, "classification", _DIGIT_CLASSES, names, "digits",
                   "8x8 handwritten digits (UCI, via scikit-learn), pixels scaled to [0, 1]")


def _read_sklearn_csv(relative):
    """A data file scikit-learn ships, read without importing scikit-learn (~150 MB, ~1 s)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        require("sklearn", "data")  # raises MissingExtraError naming the extra
    path = Path(spec.origin).parent / relative
    return np.loadtxt(path, delimiter=",", dtype=np.float64) if path.is_file() else None


def mnist1d(seed=42):
    """MNIST-1D (Greydanus, 2020), generated offline: 4000 train / 1000 test signals of length 40.

    ``seed=42`` reproduces the published split. The result is cached in-process.
    """
    X, y, X_test, y_test = _make_mnist1d(integer(seed, "seed", minimum=0))
    # Copies, so a caller editing its arrays cannot corrupt the cache.
    return Dataset(X.copy(), y.copy(), "classification", _DIGIT_CLASSES,
                   [f"t{j}" for j in range(X.shape[1])], "mnist1d",
                   f"MNIST-1D, generated with seed {seed} (42 is the published split)",
                   X_test.copy(), y_test.copy())


@functools.lru_cache(maxsize=4)
def _make_mnist1d(seed):
    mnist1d_data = require("mnist1d.data", "data")
    args = mnist1d_data.get_dataset_args()
    args.seed = seed
    # make_dataset seeds numpy's and Python's global generators; restore them afterwards so
    # loading data never changes the caller's random streams.
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        # make_dataset only builds the arrays; get_dataset would try the network first.
        data = mnist1d_data.make_dataset(args)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
    return (np.asarray(data["x"], dtype=np.float64), np.asarray(data["y"], dtype=np.int64),
            np.asarray(data["x_test"], dtype=np.float64),
            np.asarray(data["y_test"], dtype=np.int64))
