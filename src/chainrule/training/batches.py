"""``Batches``: contiguous batches of prepared arrays, for ``Trainer.fit_batches``.

The caller owns the order: ``order(epoch)`` returns the epoch's sample permutation (or None
to keep the data as it is), e.g. scikit-learn's estimators shuffle with their own Generator.
The data is gathered once per epoch and every batch is a view, so nothing runs per sample
and full-batch training (``batch_size`` = the sample count) copies nothing at all.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.errors import ConfigError, DataError
from chainrule.validation import positive_int


class Batches:
    """``(X[i:i+b], y[i:i+b])`` over the (re-ordered) arrays, one pass per ``iter()``.

    ``X`` and ``y`` are used as given (the model's dtype, the loss's target form); ``order``
    is called with the 0-based epoch (``set_epoch`` sets it; each ``iter()`` advances it).
    """

    def __init__(self, X, y, batch_size: int, order=None):
        if order is not None and not callable(order):
            raise ConfigError(f"order must be a function order(epoch) -> indices, found "
                              f"{order!r}")
        if len(X) != len(y):
            raise DataError(f"X has {len(X)} samples but y has {len(y)}; give one target per "
                            "sample")
        if len(X) == 0:
            raise DataError("the data set is empty: there is nothing to batch")
        self.X, self.y = X, y
        self.batch_size = positive_int(batch_size, "batch_size")
        self.order = order
        self.epoch = 0
        # Full batch in the given order: the same pair every epoch, with no slicing.
        self._whole = ((X, y),) if order is None and self.batch_size >= len(X) else None

    def __len__(self) -> int:
        """Batches per epoch."""
        return math.ceil(len(self.X) / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch  # the trainer's count, every epoch: not worth a check each time

    def __iter__(self):
        if self._whole is not None:
            self.epoch += 1
            return iter(self._whole)
        X, y = self.X, self.y
        if self.order is not None:
            index = self.order(self.epoch)
            if index is not None:
                index = np.asarray(index)
                X, y = X[index], y[index]  # one gather per epoch; the batches are views
        self.epoch += 1
        return _slices(X, y, self.batch_size)


def _slices(X, y, b):
    for start in range(0, len(X), b):
        yield X[start:start + b], y[start:start + b]
