"""Gradient clipping by the global norm (``torch.nn.utils.clip_grad_norm_``)."""

from __future__ import annotations

import math

import numpy as np

from chainrule.errors import ConfigError, TrainingDivergedError
from chainrule.optim.optimizer import _as_param_list


def clip_grad_norm_(params, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float:
    """Scale all gradients in place so their joint norm is at most ``max_norm``.

    Returns the total norm before clipping (a float). Like PyTorch, the scale is
    ``max_norm / (total + 1e-6)``, applied only when it is below 1.
    """
    grads = [p.grad for p in _as_param_list(params) if p.grad is not None]
    if max_norm < 0:
        raise ConfigError(f"max_norm must be >= 0, found {max_norm}")
    if not grads:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    elif norm_type > 0:
        total = sum(float(np.sum(np.abs(g, dtype=np.float64) ** norm_type)) for g in grads)
        total = total ** (1.0 / norm_type)
    else:
        raise ConfigError(f"norm_type must be > 0 or inf, found {norm_type}")
    if error_if_nonfinite and not math.isfinite(total):
        raise TrainingDivergedError(
            f"the total gradient norm is {total}: a gradient holds NaN or inf"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= g.dtype.type(coef)
    return total
