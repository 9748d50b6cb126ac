"""One flat Parameter behind all of a network's weights, so an optimizer step is a few ufuncs.

With small layers, an optimizer's cost is its per-array Python overhead (Adam runs a dozen
NumPy calls per parameter array). Here every Linear's weight and bias become views into one
flat Parameter; the engine's gradients are copied into one flat gradient, and the unchanged
``chainrule.optim`` optimizer updates everything at once, in place, through the views.
Weights come first in the buffer, so the L2 penalty (weights only) is one slice.
"""

from __future__ import annotations

import numpy as np

from chainrule.nn import Parameter


class FlatParameters:
    def __init__(self, model):
        linears = model.linears
        self.params = [lin.weight for lin in linears] + [
            lin.bias for lin in linears if lin.bias is not None]
        self.n_weights = sum(lin.weight.data.size for lin in linears)
        sizes = [p.data.size for p in self.params]
        ends = np.cumsum(sizes)
        self.slices = [slice(int(e - s), int(e)) for s, e in zip(sizes, ends)]
        self.param = Parameter(np.concatenate([p.data.ravel() for p in self.params]))
        self.param.name = "flat"
        self.param.grad = np.zeros_like(self.param.data)
        self.link()

    def link(self) -> None:
        """Make each parameter a view into the flat buffer, keeping its current values.

        Needed again after unpickling, which restores the views as separate arrays.
        """
        flat = self.param.data
        for p, sl in zip(self.params, self.slices):
            if p.data.base is flat:
                continue
            view = flat[sl].reshape(p.data.shape)
            view[...] = p.data
            p.data = view

    def gather_grads(self) -> np.ndarray:
        """Copy the engine's per-parameter gradients into the flat gradient and return it."""
        g = self.param.grad
        for p, sl in zip(self.params, self.slices):
            if p.grad is None:
                g[sl] = 0
            else:
                g[sl] = p.grad.ravel()
            p.grad = None
        return g

    @property
    def weights(self) -> np.ndarray:
        """All weights (no biases) as one flat view."""
        return self.param.data[:self.n_weights]
