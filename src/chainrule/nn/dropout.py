"""Dropout: inverted dropout in training, the identity in eval()."""

from __future__ import annotations

import numpy as np

from chainrule import validation
from chainrule.nn.config import register
from chainrule.nn.module import Module
from chainrule.tensor import Tensor


@register
class Dropout(Module):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p).

    The mask comes from the module's own Generator (``seed``: int, Generator or None); the
    gradient flows through it by an ordinary multiplication, so the trace shows a ``mul``.
    """

    def __init__(self, p: float = 0.5, seed=None):
        super().__init__()
        self.p = validation.probability(p, "Dropout probability")
        self.rng = validation.generator(seed, "seed")

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if not isinstance(x, Tensor):
            x = Tensor(x)
        data = x.data
        if self.p == 1.0:
            mask = np.zeros(data.shape, data.dtype)
        else:
            keep = self.rng.random(data.shape) >= self.p
            mask = keep.astype(data.dtype) * data.dtype.type(1.0 / (1.0 - self.p))
        return x * mask

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def get_config(self) -> dict:
        return {"type": "Dropout", "p": self.p}
