"""The benchmarks' peers compute the same training step as chainrule (a fair comparison)."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule import nn, optim

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_numpy_floor_step_equals_chainrule_sgd_step():
    floor = _load("numpy_floor").NumpyMLP([5, 7, 6, 3], batch=4, lr=0.1, dtype=np.float64)
    model = nn.MLP([5, 7, 6, 3], activation="relu", dtype=np.float64)
    for lin, w, b in zip(model.linears, floor.W, floor.b):
        lin.weight.data[...] = w
        lin.bias.data[...] = b
    opt = optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for _ in range(3):
        X = rng.standard_normal((4, 5))
        y = rng.integers(0, 3, 4)
        floor_loss = floor.step(X, y)
        loss = F.cross_entropy(model(cr.tensor(X)), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        assert loss.item() == pytest.approx(floor_loss, rel=1e-12)
    for lin, w, b in zip(model.linears, floor.W, floor.b):
        np.testing.assert_allclose(lin.weight.data, w, rtol=1e-12)
        np.testing.assert_allclose(lin.bias.data, b, rtol=1e-12, atol=1e-15)


def test_numpy_floor_keeps_float32_everywhere():
    floor = _load("numpy_floor").NumpyMLP([5, 7, 3], batch=4)
    arrays = floor.W + floor.b + floor.z + floor.h + floor.dz + floor.dh + floor.dW + floor.db
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
