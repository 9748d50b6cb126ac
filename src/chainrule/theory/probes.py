"""Looking inside a network: per-layer gradient norms and dead or saturated hidden units.

A unit is *inactive* on a batch when its local derivative g'(z) is below 1% of the
activation's largest derivative for every example: for ReLU that is a dead unit (z <= 0
everywhere), for sigmoid or tanh a saturated one (|z| beyond about 6 or 3). Gradient cannot
flow back through an inactive unit, which is what "vanishing gradients" means unit by unit.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from chainrule import activations, nn
from chainrule.autograd import no_grad
from chainrule.tensor import Tensor

#: Fraction of the largest derivative below which a unit counts as flat on an example.
FLAT = 0.01


@cache
def _peak(act) -> float:
    """The largest g'(z), from the registry's textbook derivative, on a wide grid through 0:
    exact for sigmoid (1/4), tanh, ReLU and softplus."""
    return float(np.max(act.derivative(np.linspace(-40.0, 40.0, 8001))))


def _probed(module):
    """The registry entry of an activation module that can die or saturate, else None."""
    act = getattr(module, "activation", None)
    if isinstance(module, nn.ActivationModule) and act.saturation and act.derivative:
        return act
    return None


def flat_layers(model) -> list | None:
    """The modules a sequential model applies, in order (None when it is not sequential)."""
    from chainrule.theory.network import OneHiddenLayer

    if isinstance(model, OneHiddenLayer):
        return [model.hidden, model.activation, model.output]
    if isinstance(model, nn.MLP):
        return flat_layers(model.layers)
    if isinstance(model, nn.Sequential):
        out = []
        for m in model:
            inner = flat_layers(m) if isinstance(m, (nn.Sequential, nn.MLP)) else [m]
            if inner is None:
                return None
            out.extend(inner)
        return out
    return None


def linear_layers(model) -> list:
    """(name, Linear) for every Linear layer, in the order ``named_modules`` visits them."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]


def grad_norms(model) -> np.ndarray:
    """The norm of each Linear layer's weight gradient (0 where it has none), input side first."""
    return np.array([0.0 if m.weight.grad is None else
                     float(np.linalg.norm(np.asarray(m.weight.grad, dtype=np.float64)))
                     for _, m in linear_layers(model)])


def pre_activations(model, X) -> list:
    """(activation, z) for each probed activation layer, running ``model`` on ``X``.

    Returns [] when the model is not sequential or has no layer that can die or saturate.
    """
    layers = flat_layers(model)
    if layers is None:
        return []
    out = []
    with no_grad():
        x = X if isinstance(X, Tensor) else Tensor(np.asarray(X, dtype=model.dtype))
        for m in layers:
            act = _probed(m)
            if act is not None:
                out.append((act, np.asarray(x.data, dtype=np.float64)))
            x = m(x)
    return out


def inactive_fraction(activation, z) -> float:
    """Fraction of units (columns of ``z``) whose derivative is flat on every row."""
    act = activations.get(activation)
    flat = act.derivative(np.asarray(z, dtype=np.float64)) < FLAT * _peak(act)
    return float(np.mean(np.all(flat, axis=0)))


def inactive_by_layer(model, X) -> np.ndarray:
    """``inactive_fraction`` of each probed activation layer, input side first."""
    return np.array([inactive_fraction(k, z) for k, z in pre_activations(model, X)])
