"""Full-batch training for the theory experiments, through chainrule's one training loop.

The experiments fit a few hundred grid points many times over: ``Trainer.fit_batches`` in lean
mode (no metrics, progress or history), one epoch per step, keeps a 128-unit fit well under a
second.
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import TrainingDivergedError


def train_full_batch(net, X, y, steps: int, lr: float, on_backward=None,
                     loss: str = "mse", cosine: bool = False) -> list:
    """Adam on the whole of (X, y) for ``steps`` steps; returns the loss before each step.

    ``on_backward(step, net)`` runs after each backward pass, with gradients present;
    ``cosine`` anneals the learning rate to 0 over the run (a fine fit needs small last steps).
    ``loss`` is "mse" or "cross_entropy" (integer labels).
    """
    # Imported here: optim and training sit above the theory's pure parts.
    from chainrule import optim
    from chainrule.training.batches import Batches
    from chainrule.training.callbacks import LambdaCallback, SchedulerCallback
    from chainrule.training.fit import Trainer

    dtype = net.hidden.weight.dtype if hasattr(net, "hidden") else np.float32
    X = np.asarray(X, dtype=dtype)
    y = np.asarray(y, dtype=dtype).reshape(len(X), -1) if loss == "mse" else np.asarray(y)
    opt = optim.Adam(net.parameters(), lr=lr)
    losses = []
    callbacks = [LambdaCallback(on_batch_end=lambda t: losses.append(t.loss_value))]
    if on_backward is not None:
        callbacks.append(LambdaCallback(on_after_backward=lambda t: on_backward(t.step, t.model)))
    if cosine:  # one epoch is one step here, so the per-epoch scheduler steps every step
        callbacks.append(SchedulerCallback(optim.CosineAnnealingLR(opt, T_max=max(steps, 1))))
    trainer = Trainer(net, loss=loss, optimizer=opt, callbacks=callbacks, lean=True)
    try:
        trainer.fit_batches(Batches(X, y, len(X)), epochs=steps)
    except TrainingDivergedError as err:
        raise TrainingDivergedError(f"the loss became {err.loss} at step {err.epoch - 1}; lower "
                                    f"the learning rate (lr={lr})") from None
    return losses


def fit_output_layer(net, X, y, ridge: float = 1e-8) -> None:
    """Set the output weights to the (slightly ridged) least-squares fit for the current units."""
    H = np.asarray(net.hidden_units(np.asarray(X, dtype=np.float64)).data, dtype=np.float64)
    A = np.column_stack([H, np.ones(len(H))])
    reg = ridge * max(1.0, float(np.trace(A.T @ A)) / A.shape[1])
    coef = np.linalg.solve(A.T @ A + reg * np.eye(A.shape[1]), A.T @ y)
    net.output.weight.data[:] = coef[:-1].reshape(1, -1)
    net.output.bias.data[:] = coef[-1]
