"""Which training rows come next: a seeded shuffle per epoch, handed out batch by batch, and
how many batches fit in a frame's time budget."""

from __future__ import annotations

import time

import numpy as np

#: An epoch predicted to fit is finished even when it runs over, up to this many budgets (a
#: busy machine makes the prediction wrong); one longer than the budget is cut at the budget.
OVERRUN = 1.25


class Schedule:
    def __init__(self, n: int, batch_size: int, seed: int, clock=time.perf_counter):
        self.n, self.batch_size, self.clock = n, batch_size, clock
        self.rng = np.random.default_rng(seed)
        self.perm = np.zeros(0, np.int64)
        self.cursor = 0            # rows of this epoch already handed out
        self.epoch = 0             # epochs completed
        self.batch_time = 0.0      # seconds a batch takes to train (a running average)

    @property
    def progress(self) -> float:
        """Epochs completed, with the current one's fraction."""
        return self.epoch + self.cursor / max(1, self.n)

    def next(self) -> np.ndarray:
        """The next batch's row indices; a new shuffle at each epoch (or when rows changed)."""
        if self.cursor == 0 or len(self.perm) != self.n:
            self.perm = self.rng.permutation(self.n)
            self.cursor = 0
        rows = self.perm[self.cursor:self.cursor + self.batch_size]
        self.cursor += len(rows)
        if self.cursor >= self.n:
            self.cursor = 0
            self.epoch += 1
        return rows

    def epochs(self, count: int):
        """Batches up to the end of the ``count``-th epoch from now (from the current one)."""
        target = self.epoch + count
        while self.epoch < target:
            yield self.next()

    def within(self, budget: float):
        """Batches while ``budget`` seconds last: whole epochs while they fit, else part of one;
        always at least one batch. The caller trains on each before asking for the next."""
        start = self.clock()
        per_epoch = -(-self.n // self.batch_size)
        first, whole = True, False
        while True:
            elapsed = self.clock() - start
            if self.cursor == 0:
                whole = elapsed + self.batch_time * per_epoch <= budget
                if not (whole or first):
                    return
            elif elapsed >= (OVERRUN * budget if whole else budget) and not first:
                return
            first = False
            t = self.clock()
            yield self.next()
            took = self.clock() - t
            self.batch_time = 0.9 * self.batch_time + 0.1 * took if self.batch_time else took
