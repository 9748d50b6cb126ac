"""SGD with momentum, Nesterov momentum and L2 weight decay, exactly torch.optim.SGD's rule.

    g <- grad + weight_decay * p
    b <- g on the first step, then momentum * b + (1 - dampening) * g
    g <- g + momentum * b   (nesterov)   or   g <- b   (classical momentum)
    p <- p - lr * g
"""

from __future__ import annotations

import numpy as np

from chainrule.errors import ConfigError
from chainrule.optim.optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay))

    def _check(self, group):
        super()._check(group)
        if not group["momentum"] >= 0:
            raise ConfigError(f"momentum must be >= 0, found {group['momentum']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ConfigError("Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, group):
        lr, mom, wd = group["lr"], group["momentum"], group["weight_decay"]
        if not (mom or wd):  # plain SGD, the common case: p <- p - lr * grad, two ufuncs each
            # lr as a 0-d array of the parameter's dtype: NumPy multiplies by that about twice
            # as fast as by a Python float.
            rates = {}
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                d = p.data
                rate = rates.get(d.dtype)
                if rate is None:
                    rate = rates[d.dtype] = np.array(lr, dtype=d.dtype)
                tmp = self._buffers(p, 1)[0]
                np.multiply(g, rate, out=tmp)
                np.subtract(d, tmp, out=d)
            return
        damp, nesterov = group["dampening"], group["nesterov"]
        params = group["params"]
        # A momentum buffer starts as the first gradient (torch's rule), parameter by
        # parameter; once every parameter has one, the whole group steps at once.
        started = not mom or all("momentum_buffer" in self.state.get(p, ()) for p in params)
        names = ("momentum_buffer",) if mom else ()
        flat = self._flat_group(group, names, _no_state) if started else None
        if flat is not None:
            g = flat.gather(params, wd)
            step = _direction(g, flat.bufs.get("momentum_buffer"), flat.scratch, mom, damp,
                              nesterov)
            np.multiply(step, lr, out=flat.scratch)
            flat.scatter(params)
            return
        extra = 2 if (nesterov or damp) else 1
        for p in params:
            g = p.grad
            if g is None:
                continue
            d = p.data
            bufs = self._buffers(p, extra)
            tmp = bufs[0]
            if wd:
                g = self._l2(g, d, wd, tmp)
            if mom:
                st = self.state.get(p)
                first = st is None or "momentum_buffer" not in st
                if first:
                    buf = g.copy()
                    self.state[p] = {"momentum_buffer": buf}
                else:
                    buf = st["momentum_buffer"]
                g = _direction(g, buf, bufs[-1], mom, damp, nesterov, first)
            np.multiply(g, lr, out=tmp)
            np.subtract(d, tmp, out=d)


def _no_state(p) -> dict:
    return {}


def _direction(g, buf, tmp, mom, damp, nesterov, first=False):
    """Update the momentum buffer in place (not on its ``first`` step, when it is g) and
    return the direction to step along: ``buf``, or ``g + mom * buf`` (Nesterov) in ``tmp``.
    ``tmp`` must not be ``g``."""
    if buf is None:  # no momentum
        return g
    if not first:
        buf *= mom
        if damp:
            np.multiply(g, 1 - damp, out=tmp)
            buf += tmp
        else:
            buf += g
    if nesterov:
        np.multiply(buf, mom, out=tmp)
        np.add(g, tmp, out=tmp)
        return tmp
    return buf
