"""RMSprop, exactly torch.optim.RMSprop's rule.

    g <- grad + weight_decay * p
    s <- alpha s + (1 - alpha) g^2                 (centered: also a <- alpha a + (1-alpha) g)
    r <- sqrt(s) + eps                             (centered: sqrt(s - a^2) + eps)
    b <- momentum b + g / r,  p <- p - lr b        (momentum > 0)
    p <- p - lr g / r                              (momentum = 0)
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import ConfigError
from chainrule.optim.optimizer import Optimizer


def _new_state(p):
    return {"step": 0, "square_avg": np.zeros_like(p.data)}


def _rmsprop_delta(g, st, out, lr, alpha, eps, mom, centered):
    """Update the averages in ``st`` in place; write the step to subtract from p into ``out``."""
    s = st["square_avg"]
    s *= alpha
    np.multiply(g, g, out=out)
    out *= 1 - alpha
    s += out
    if centered:
        a = st["grad_avg"]
        np.subtract(g, a, out=out)  # a.lerp_(g, 1 - alpha)
        out *= 1 - alpha
        a += out
        np.multiply(a, a, out=out)
        np.subtract(s, out, out=out)
        np.sqrt(out, out=out)
    else:
        np.sqrt(s, out=out)
    out += eps
    np.divide(g, out, out=out)
    if mom:
        b = st["momentum_buffer"]
        b *= mom
        b += out
        np.multiply(b, lr, out=out)
    else:
        out *= lr
    return out


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0, centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, momentum=momentum,
                                      weight_decay=weight_decay, centered=centered))

    def _check(self, group):
        super()._check(group)
        if not 0.0 <= group["alpha"] <= 1.0:
            raise ConfigError(f"alpha must lie in [0, 1], found {group['alpha']}")
        if not group["momentum"] >= 0:
            raise ConfigError(f"momentum must be >= 0, found {group['momentum']}")
        if not group["eps"] >= 0:
            raise ConfigError(f"eps must be >= 0, found {group['eps']}")

    def _update(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        mom, wd, centered = group["momentum"], group["weight_decay"], group["centered"]
        names = ("square_avg",) + (("momentum_buffer",) if mom else ()) + (
            ("grad_avg",) if centered else ())
        flat = self._flat_group(group, names, _new_state)
        if flat is not None:  # every parameter at once
            params = group["params"]
            g = flat.gather(params, wd)
            flat.step += 1
            for st in flat.states:
                st["step"] = flat.step
            _rmsprop_delta(g, flat.bufs, flat.scratch, lr, alpha, eps, mom, centered)
            flat.scatter(params)
            return
        for p in group["params"]:
            g = p.grad
            if g is None:
                continue
            d = p.data
            st = self.state.get(p)
            if st is None:
                st = self.state[p] = _new_state(p)
            for name in names:
                if name not in st:
                    st[name] = np.zeros_like(d)
            st["step"] += 1
            out, tmp = self._buffers(p, 2)
            if wd:
                g = self._l2(g, d, wd, tmp)
            d -= _rmsprop_delta(g, st, out, lr, alpha, eps, mom, centered)
