"""Adam and AdamW, exactly torch.optim's rules (no amsgrad).

    g <- grad + weight_decay * p            (Adam: L2 penalty folded into the gradient)
    p <- p * (1 - lr * weight_decay)        (AdamW: decoupled weight decay, instead)
    m <- beta1 m + (1 - beta1) g            v <- beta2 v + (1 - beta2) g^2
    p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.errors import ConfigError
from chainrule.optim.optimizer import Optimizer

_NAMES = ("exp_avg", "exp_avg_sq")


def _new_state(p):
    return {"step": 0, "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}


def _adam_delta(g, m, v, out, b1, b2, eps, t, lr):
    """Update m and v in place; write the step to subtract from p into ``out``."""
    np.subtract(g, m, out=out)  # m.lerp_(g, 1 - b1), as torch writes it: m + (1 - b1)(g - m)
    out *= 1 - b1
    m += out
    v *= b2
    np.multiply(g, g, out=out)
    out *= 1 - b2
    v += out
    np.sqrt(v, out=out)
    out /= math.sqrt(1 - b2**t)
    out += eps
    np.divide(m, out, out=out)
    out *= lr / (1 - b1**t)
    return out


class Adam(Optimizer):
    _decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def _check(self, group):
        super()._check(group)
        betas = group["betas"]
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ConfigError(f"betas must be two numbers in [0, 1), found {betas}")
        if not group["eps"] >= 0:
            raise ConfigError(f"eps must be >= 0, found {group['eps']}")

    def _update(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        decay = 1 - lr * wd if (wd and self._decoupled) else 1.0
        l2 = 0.0 if self._decoupled else wd
        flat = self._flat_group(group, _NAMES, _new_state)
        if flat is not None:  # every parameter at once
            params = group["params"]
            g = flat.gather(params, l2)
            flat.step = t = flat.step + 1
            for st in flat.states:
                st["step"] = t
            _adam_delta(g, flat.bufs["exp_avg"], flat.bufs["exp_avg_sq"], flat.scratch,
                        b1, b2, eps, t, lr)
            flat.scatter(params, decay)
            return
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            d = p.data
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = _new_state(p)
            st["step"] = t = st["step"] + 1
            out, tmp = self._buffers(p, 2)
            if l2:
                g = self._l2(g, d, l2, tmp)
            if decay != 1.0:
                d *= decay
            d -= _adam_delta(g, st["exp_avg"], st["exp_avg_sq"], out, b1, b2, eps, t, lr)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): default weight_decay=1e-2."""

    _decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
