"""Fixtures shared by the test folders (which mirror ``src/chainrule``).

- ``rng``: a seeded NumPy Generator, fresh per test;
- ``tiny_classification`` / ``tiny_regression``: small (X, y) arrays with structure to learn;
- ``tiny_model``: an ``MLP([2, 8, 3])`` trained a few epochs on ``tiny_classification``;
- ``torch``: PyTorch, or the test is skipped where it is not installed;
- ``swish``: the activation z * sigmoid(z), registered through the public extension point for
  the test and removed after it.
"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def tiny_classification():
    """90 points in 2-D, three Gaussian blobs labelled 0, 1, 2."""
    g = np.random.default_rng(7)
    centres = np.array([[-2.0, 0.0], [2.0, 0.0], [0.0, 2.5]])
    y = np.repeat(np.arange(3), 30)
    X = centres[y] + g.normal(scale=0.6, size=(90, 2))
    return X, y


@pytest.fixture
def tiny_regression():
    """60 points, y = 1.5 x1 - 2 x2 + 0.3 plus a little noise, y of shape (60, 1)."""
    g = np.random.default_rng(8)
    X = g.normal(size=(60, 2))
    y = (X @ np.array([1.5, -2.0]) + 0.3 + g.normal(scale=0.05, size=60)).reshape(-1, 1)
    return X, y


@pytest.fixture
def tiny_model(tiny_classification):
    """A small classifier trained on ``tiny_classification`` (fresh per test: models change)."""
    import chainrule as cr
    from chainrule import nn

    model = nn.MLP([2, 8, 3], activation="tanh", seed=0)
    cr.fit(model, tiny_classification, epochs=20, batch_size=16, optimizer="adam", lr=0.05,
           quiet=True)
    return model


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _swish_forward(z):
    s = 0.5 * (1 + np.tanh(0.5 * z))
    return z * s, (z, s)


def _swish_vjp(g, saved, needs):
    z, s = saved
    return (g * (s + z * s * (1 - s)),)


def _d_swish(z):
    s = 1 / (1 + np.exp(-z))
    return s + z * s * (1 - s)


@pytest.fixture
def swish():
    """A new activation, declared once: its row of the chain-rule table and its registry entry."""
    import chainrule as cr
    from chainrule import activations

    prim = cr.Primitive("swish", _swish_forward, _swish_vjp,
                        formulas=("dJ/dx = dJ/dy * (s + x s (1 - s)), s = sigmoid(x)",),
                        role="activation")
    act = activations.register(activations.Activation(
        "swish", prim, module="Swish", formula="z * sigmoid(z)",
        value=lambda z: z / (1 + np.exp(-z)), derivative=_d_swish,
        torch="SiLU", onnx=lambda g, x: g.op("Mul", [x, g.op("Sigmoid", [x])], hint="h"),
        color="#bcbd22"))
    yield act
    activations.unregister("swish")
