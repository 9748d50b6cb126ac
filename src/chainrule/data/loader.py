"""Batching: ``ArrayDataset`` pairs arrays, ``DataLoader`` cuts them into (shuffled) batches.

Batches are plain NumPy arrays; the training loop turns them into tensors.
"""

import math

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.validation import integer


class ArrayDataset:
    """Features ``X`` and optional targets ``y`` (same first dimension), indexed by sample."""

    def __init__(self, X, y=None):
        X = np.asarray(X)
        if X.ndim == 0:
            raise DataError("X must have one entry per sample, found a scalar")
        if y is not None:
            y = np.asarray(y)
            if y.ndim == 0 or len(y) != len(X):
                raise DataError(f"X has {len(X)} samples but y has "
                                f"{'no length' if y.ndim == 0 else len(y)}; give one target per "
                                "sample")
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        """Sample(s) ``index`` as ``(x, y)``; ``y`` is None when there are no targets."""
        return self.X[index], (None if self.y is None else self.y[index])

    def __repr__(self):
        y = "None" if self.y is None else str(self.y.shape)
        return f"ArrayDataset(X={self.X.shape}, y={y})"


class DataLoader:
    """Iterate over ``(Xb, yb)`` batches of a data set.

    ``data`` is an ``ArrayDataset``, a ``Dataset`` record (its training arrays), any object with
    ``X``/``y`` attributes, a tuple ``(X, y)`` or ``(X,)``, or an array ``X``.

    With ``shuffle=True``, epoch k is ordered by a generator seeded from ``(seed, k)``, so the
    order changes every epoch yet is fully determined by the seed. Each ``iter()`` uses the current
    epoch and advances it; ``set_epoch(k)`` or ``load_state_dict`` choose where a resumed run
    continues. Without a seed, one is drawn from the OS once and kept in ``state_dict()``.
    """

    def __init__(self, data, batch_size=32, shuffle=False, seed=None, drop_last=False):
        self.dataset = _as_dataset(data)
        self.batch_size = integer(batch_size, "batch_size", minimum=1)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        if seed is None:
            seed = np.random.SeedSequence().entropy  # recorded, so even this run can be replayed
        self.seed = integer(seed, "seed", minimum=0)
        self.epoch = 0
        if len(self.dataset) == 0:
            raise DataError("the data set is empty: there is nothing to batch")

    def __len__(self):
        """Number of batches per epoch."""
        n, b = len(self.dataset), self.batch_size
        return n // b if self.drop_last else math.ceil(n / b)

    def set_epoch(self, epoch):
        """Make the next ``iter()`` produce epoch ``epoch``'s order."""
        self.epoch = integer(epoch, "epoch", minimum=0)

    def order(self, epoch=None):
        """The sample order of ``epoch`` (default: the next one), or None when not shuffling."""
        if not self.shuffle:
            return None
        epoch = self.epoch if epoch is None else integer(epoch, "epoch", minimum=0)
        # A stream per (seed, epoch): epoch k's order does not depend on how many epochs ran.
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.dataset))

    def __iter__(self):
        # Computed here, not lazily in a generator, so the epoch advances as soon as iter() runs.
        order = self.order()
        self.epoch += 1
        return self._batches(order)

    def _batches(self, order):
        X, y = self.dataset.X, self.dataset.y
        n, b = len(X), self.batch_size
        stop = n - n % b if self.drop_last else n
        for start in range(0, stop, b):
            # Without shuffling a slice gives views: sequential batches copy nothing.
            index = slice(start, start + b) if order is None else order[start:start + b]
            yield X[index], (None if y is None else y[index])

    def state_dict(self):
        """What a checkpoint needs to continue with the same batch order."""
        return {"epoch": self.epoch, "seed": self.seed, "shuffle": self.shuffle,
                "batch_size": self.batch_size, "drop_last": self.drop_last}

    def load_state_dict(self, state):
        """Restore the epoch counter and seed saved by ``state_dict``."""
        try:
            epoch, seed = state["epoch"], state["seed"]
        except (KeyError, TypeError) as exc:
            raise ConfigError("a DataLoader state must be a dict with 'epoch' and 'seed', found "
                              f"{state!r}") from exc
        self.seed = integer(seed, "seed", minimum=0)
        self.set_epoch(epoch)

    def __repr__(self):
        return (f"DataLoader(n={len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, epoch={self.epoch})")


def _as_dataset(data):
    if isinstance(data, ArrayDataset):
        return data
    if isinstance(data, (tuple, list)):
        if not 1 <= len(data) <= 2:
            raise ConfigError(f"expected a tuple (X,) or (X, y), found {len(data)} items")
        return ArrayDataset(*data)
    if hasattr(data, "X"):
        return ArrayDataset(data.X, getattr(data, "y", None))
    if isinstance(data, np.ndarray):
        return ArrayDataset(data)
    raise ConfigError(f"cannot batch a {type(data).__name__}; pass an ArrayDataset, a Dataset, "
                      "a tuple (X, y) or an array X")
