"""The recitation's Question 3 network, built from engine tensors with the slides' names.

    z1 = W x + b1,  h = ReLU(z1),  z2 = U h + b2,  y_hat = softmax(z2),  J = CE(y, y_hat)

with W (m, n), b1 (m,), U (k, m), b2 (k,). ``batch=None`` is the slides' single example
(x a vector of n numbers); ``batch=B`` stacks B examples as rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule import functional as F
from chainrule.autograd import no_grad
from chainrule.errors import ConfigError
from chainrule.tensor import Tensor
from chainrule.validation import positive_int


@dataclass
class Question3:
    """The tensors of one forward pass (J has not been backpropagated yet)."""

    x: Tensor
    y: np.ndarray        # class labels: a 0-d array for one example, (B,) for a batch
    W: Tensor
    b1: Tensor
    U: Tensor
    b2: Tensor
    z1: Tensor
    h: Tensor
    z2: Tensor
    J: Tensor

    @property
    def params(self) -> dict:
        return {"W": self.W, "b1": self.b1, "U": self.U, "b2": self.b2}

    @property
    def y_onehot(self) -> np.ndarray:
        k = self.z2.shape[-1]
        return np.eye(k, dtype=self.z2.dtype)[self.y]

    @property
    def y_hat(self) -> np.ndarray:
        with no_grad():
            return F.softmax(self.z2.detach()).data

    def rebuild(self) -> Question3:
        """The same network and data with a fresh graph (after a backward released it)."""
        return forward(self.x.data, self.y, self.W.data, self.b1.data, self.U.data,
                       self.b2.data)


def forward(x, y, W, b1, U, b2) -> Question3:
    """Run the Question 3 forward pass on the given arrays (copied into fresh leaves)."""
    W = Tensor(W, requires_grad=True, name="W")
    b1 = Tensor(b1, requires_grad=True, name="b1")
    U = Tensor(U, requires_grad=True, name="U")
    b2 = Tensor(b2, requires_grad=True, name="b2")
    return build(Tensor(x, name="x"), y, W, b1, U, b2)


def build(x, y, W, b1, U, b2) -> Question3:
    """The forward pass on the given tensors, naming each intermediate as the slides do."""
    z1 = F.linear(x, W, b1)
    z1.name = "z1"
    h = F.relu(z1)
    h.name = "h"
    z2 = F.linear(h, U, b2)
    z2.name = "z2"
    y = np.asarray(y)
    J = F.cross_entropy(z2, y)
    J.name = "J"
    return Question3(x, y, W, b1, U, b2, z1, h, z2, J)


def question3_network(n: int = 3, m: int = 4, k: int = 3, seed: int = 0, batch=None,
                      dtype=np.float32) -> Question3:
    """The recitation's Question 3 network with seeded random weights and data.

    The draw is repeated (from the same generator) until no hidden pre-activation lies within
    0.05 of ReLU's kink and at least one unit is off, so finite differences are trustworthy
    and the mask 1{h > 0} visibly matters.
    """
    n = positive_int(n, "n (inputs)")
    m = positive_int(m, "m (hidden units)")
    k = positive_int(k, "k (classes)")
    if k < 2:
        raise ConfigError(f"k (classes) must be at least 2 for a softmax, found {k}")
    if batch is not None:
        batch = positive_int(batch, "batch")
    rng = np.random.default_rng(seed)
    rows = 1 if batch is None else batch
    for _ in range(200):
        W = rng.normal(0.0, 1.0, (m, n))
        b1 = rng.normal(0.0, 0.1, m)
        U = rng.normal(0.0, 1.0, (k, m))
        b2 = rng.normal(0.0, 0.1, k)
        x = rng.normal(0.0, 1.0, (rows, n))
        y = rng.integers(0, k, rows)
        z1 = x @ W.T + b1
        if np.abs(z1).min() > 0.05 and (m == 1 or (z1 < 0).any()):
            break
    if batch is None:
        x, y = x[0], y[0]
    cast = lambda a: np.asarray(a, dtype=dtype)  # noqa: E731
    return forward(cast(x), np.asarray(y, dtype=np.int64), cast(W), cast(b1), cast(U), cast(b2))
