"""The network of a setup: a ``chainrule.nn.MLP`` built from the settings, and what the page
reads from it (every layer's pre-activations and outputs, the parameters as one vector)."""

from __future__ import annotations

import numpy as np

from chainrule import activations, nn
from chainrule.autograd import no_grad
from chainrule.tensor import Tensor


def activation_spec(name: str, derivative: str) -> dict:
    """A module config for registry activation ``name`` with its derivative policy, if any."""
    act = activations.get(name)
    spec = {"type": act.module}
    if act.policy and derivative:
        spec[act.policy] = derivative
    return spec


def build(sizes, layer_activations, derivative: str, seed: int) -> nn.MLP:
    """An MLP with TF Playground's initialisation: weights U(-0.5, 0.5), biases 0.1."""
    specs = [activation_spec(a, derivative) for a in layer_activations]
    model = nn.MLP(list(sizes), activation=specs if specs else activations.DEFAULT, seed=seed)
    rng = np.random.default_rng(seed)
    for linear in model.linears:
        linear.weight.data[...] = rng.uniform(-0.5, 0.5, linear.weight.shape)
        linear.bias.data[...] = 0.1
    return model


def stages(model) -> list:
    """``[(Linear, activation module or None), ...]``: one entry per layer of neurons."""
    out, pending = [], None
    for module in model.layers:
        if isinstance(module, nn.Linear):
            if pending is not None:
                out.append((pending, None))
            pending = module
        else:
            out.append((pending, module))
            pending = None
    if pending is not None:
        out.append((pending, None))
    return out


def forward(model, X: np.ndarray) -> list:
    """``[(z, h), ...]`` per layer for inputs ``X``; the last layer's h is its z (logits)."""
    out = []
    with no_grad():
        h = Tensor(X)
        for linear, act in stages(model):
            z = linear(h)
            h = act(z) if act is not None else z
            out.append((z.data, h.data))
    return out


def parameters(model) -> list:
    """``[(W, b), ...]`` arrays (views of the model's own), layer by layer."""
    return [(lin.weight.data, lin.bias.data) for lin in model.linears]


def flat(model) -> np.ndarray:
    """Every weight and bias in one float32 vector: W1 (row-major), b1, W2, b2, ..."""
    return np.concatenate([a.reshape(-1) for pair in parameters(model) for a in pair]) \
        .astype(np.float32, copy=False)


def snapshot(model) -> list:
    return [(W.copy(), b.copy()) for W, b in parameters(model)]


def restore(model, saved) -> None:
    for (W, b), (W0, b0) in zip(parameters(model), saved):
        W[...] = W0
        b[...] = b0
