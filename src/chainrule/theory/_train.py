"""A small full-batch training loop for the theory experiments (forward, loss, backward, step).

The experiments fit a few hundred grid points many times over; a bare loop with no batching,
metrics or callbacks keeps a 128-unit fit well under a second.
"""

from __future__ import annotations

import numpy as np

from chainrule import functional as F
from chainrule.errors import TrainingDivergedError
from chainrule.tensor import Tensor


def train_full_batch(net, X, y, steps: int, lr: float, on_backward=None,
                     loss: str = "mse", cosine: bool = False) -> list:
    """Adam on the whole of (X, y) for ``steps`` steps; returns the loss before each step.

    ``on_backward(step, net)`` runs after each backward pass, with gradients present;
    ``cosine`` anneals the learning rate to 0 over the run (a fine fit needs small last steps).
    """
    dtype = net.hidden.weight.dtype if hasattr(net, "hidden") else np.float32
    Xt = Tensor(np.asarray(X, dtype=dtype))
    if loss == "mse":
        yt = Tensor(np.asarray(y, dtype=dtype).reshape(len(X), -1))
    else:
        yt = np.asarray(y)
    from chainrule import optim  # imported here: optim sits above the theory's pure parts

    opt = optim.Adam(net.parameters(), lr=lr)
    schedule = optim.CosineAnnealingLR(opt, T_max=max(steps, 1)) if cosine else None
    losses = []
    for step in range(steps):
        opt.zero_grad()
        out = net(Xt)
        value = F.mse_loss(out, yt) if loss == "mse" else F.cross_entropy(out, yt)
        losses.append(float(value.data))
        if not np.isfinite(losses[-1]):
            raise TrainingDivergedError(f"the loss became {losses[-1]} at step {step}; lower the "
                                        f"learning rate (lr={lr})")
        value.backward()
        if on_backward is not None:
            on_backward(step, net)
        opt.step()
        if schedule is not None:
            schedule.step()
    return losses


def fit_output_layer(net, X, y, ridge: float = 1e-8) -> None:
    """Set the output weights to the (slightly ridged) least-squares fit for the current units."""
    H = np.asarray(net.hidden_units(np.asarray(X, dtype=np.float64)).data, dtype=np.float64)
    A = np.column_stack([H, np.ones(len(H))])
    reg = ridge * max(1.0, float(np.trace(A.T @ A)) / A.shape[1])
    coef = np.linalg.solve(A.T @ A + reg * np.eye(A.shape[1]), A.T @ y)
    net.output.weight.data[:] = coef[:-1].reshape(1, -1)
    net.output.bias.data[:] = coef[-1]
