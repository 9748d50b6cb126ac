"""Question 3 of the recitation: autodiff equals the slide's closed forms, line by line."""

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F


def _network(batch, n=3, m=4, k=3, seed=0):
    rng = np.random.default_rng(seed)
    W = cr.tensor(rng.standard_normal((m, n)), dtype=np.float64, requires_grad=True)
    b1 = cr.tensor(rng.standard_normal(m), dtype=np.float64, requires_grad=True)
    U = cr.tensor(rng.standard_normal((k, m)), dtype=np.float64, requires_grad=True)
    b2 = cr.tensor(rng.standard_normal(k), dtype=np.float64, requires_grad=True)
    x = rng.standard_normal((batch, n) if batch else n)
    y = rng.integers(0, k, batch) if batch else np.int64(rng.integers(0, k))
    return W, b1, U, b2, x, y


@pytest.mark.parametrize("batch", [None, 1, 5])
def test_autodiff_gives_the_slide_closed_forms(batch):
    W, b1, U, b2, x, y = _network(batch)
    z1 = F.linear(x, W, b1)
    h = F.relu(z1)
    z2 = F.linear(h, U, b2)
    J = F.cross_entropy(z2, np.atleast_1d(y))
    J.backward()

    # The slide's column-vector formulas, applied row by row and averaged over the batch.
    X = np.atleast_2d(x)
    Y = np.eye(3)[np.atleast_1d(y)]
    H = np.atleast_2d(h.data)
    Z2 = np.atleast_2d(z2.data)
    y_hat = np.exp(Z2) / np.exp(Z2).sum(axis=1, keepdims=True)
    N = X.shape[0]
    delta1 = (y_hat - Y) / N                       # dJ/dz2 = y_hat - y
    dJ_dh = delta1 @ U.data                        # U^T delta_1, per row
    delta2 = dJ_dh * (H > 0)                       # (U^T delta_1) o 1{h > 0}
    np.testing.assert_allclose(b2.grad, delta1.sum(axis=0), rtol=1e-12)   # dJ/db2 = delta_1
    np.testing.assert_allclose(U.grad, delta1.T @ H, rtol=1e-12)          # dJ/dU = delta_1 h^T
    np.testing.assert_allclose(b1.grad, delta2.sum(axis=0), rtol=1e-12)   # dJ/db1 = delta_2
    np.testing.assert_allclose(W.grad, delta2.T @ X, rtol=1e-12)          # dJ/dW = delta_2 x^T
    if batch is None:  # one example: literally the slide, with outer products
        d1 = y_hat[0] - Y[0]
        np.testing.assert_allclose(U.grad, np.outer(d1, H[0]), rtol=1e-12)
        d2 = (U.data.T @ d1) * (H[0] > 0)
        np.testing.assert_allclose(W.grad, np.outer(d2, x), rtol=1e-12)


def test_cross_entropy_gradient_is_y_hat_minus_y():
    z = cr.tensor([2.0, -1.0, 0.5], dtype=np.float64, requires_grad=True)
    F.cross_entropy(z, 0).backward()
    p = np.exp(z.data) / np.exp(z.data).sum()
    np.testing.assert_allclose(z.grad, p - np.array([1.0, 0, 0]), rtol=1e-12)


def test_one_example_and_batch_of_one_agree():
    W, b1, U, b2, x, y = _network(None)
    J = F.cross_entropy(F.linear(F.relu(F.linear(x, W, b1)), U, b2), y)
    J.backward()
    single = [p.grad.copy() for p in (W, b1, U, b2)]
    for p in (W, b1, U, b2):
        p.zero_grad()
    J = F.cross_entropy(F.linear(F.relu(F.linear(x[None], W, b1)), U, b2), np.array([y]))
    J.backward()
    for a, p in zip(single, (W, b1, U, b2)):
        np.testing.assert_allclose(a, p.grad, rtol=1e-12)
