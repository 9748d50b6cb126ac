"""Random compositions of the table's ops against torch.autograd, in float64."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# (chainrule op, torch op); every op maps a (4, 5) array to a (4, 5) array.
UNARY = [
    (F.sigmoid, torch.sigmoid), (F.tanh, torch.tanh), (F.relu, torch.relu),
    (lambda t: F.leaky_relu(t, 0.2), lambda t: TF.leaky_relu(t, 0.2)),
    (F.softplus, TF.softplus), (F.gelu, lambda t: TF.gelu(t, approximate="tanh")),
    (lambda t: F.softmax(t, axis=1), lambda t: torch.softmax(t, dim=1)),
    (lambda t: F.log_softmax(t, axis=0), lambda t: torch.log_softmax(t, dim=0)),
    (lambda t: t.exp().clip(0.0, 3.0), lambda t: t.exp().clamp(0.0, 3.0)),
    (lambda t: (t * t + 1).log(), lambda t: (t * t + 1).log()),
    (lambda t: (t * t + 1).sqrt(), lambda t: (t * t + 1).sqrt()),
    (lambda t: abs(t) ** 1.5, lambda t: t.abs() ** 1.5),
    (lambda t: t - t.mean(axis=0, keepdims=True), lambda t: t - t.mean(dim=0, keepdim=True)),
    (lambda t: t / t.max(axis=1, keepdims=True).exp(),
     lambda t: t / t.amax(dim=1, keepdim=True).exp()),
    (lambda t: t.T.reshape(5, 4).T.reshape(4, 5), lambda t: t.T.reshape(5, 4).T.reshape(4, 5)),
    (lambda t: cr.concatenate([t[:, :2], t[:, 2:] * 2], axis=1),
     lambda t: torch.cat([t[:, :2], t[:, 2:] * 2], dim=1)),
]
BINARY = [
    (lambda a, b: a + b, lambda a, b: a + b), (lambda a, b: a * b, lambda a, b: a * b),
    (lambda a, b: a - b * 0.5, lambda a, b: a - b * 0.5),
    (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    (cr.maximum, torch.maximum), (cr.minimum, torch.minimum),
    (lambda a, b: cr.where(a > b, a, b * 2), lambda a, b: torch.where(a > b, a, b * 2)),
    (lambda a, b: (a @ b.T) @ b * 0.1, lambda a, b: (a @ b.T) @ b * 0.1),
]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), program=st.lists(
    st.tuples(st.booleans(), st.integers(0, 100)), min_size=2, max_size=7))
def test_random_compositions_match_torch(seed, program):
    rng = np.random.default_rng(seed)
    a0, b0 = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    a, b = cr.tensor(a0, requires_grad=True), cr.tensor(b0, requires_grad=True)
    ta = torch.tensor(a0, requires_grad=True)
    tb = torch.tensor(b0, requires_grad=True)
    x, tx = a, ta
    for binary, k in program:
        if binary:
            ours, theirs = BINARY[k % len(BINARY)]
            x, tx = ours(x, b), theirs(tx, tb)
        else:
            ours, theirs = UNARY[k % len(UNARY)]
            x, tx = ours(x), theirs(tx)
    weights = rng.standard_normal((4, 5))
    loss = F.cross_entropy(x, np.arange(4) % 5) + (x * weights).sum()
    tlabels = torch.tensor(np.arange(4) % 5)
    tloss = TF.cross_entropy(tx, tlabels) + (tx * torch.tensor(weights)).sum()
    np.testing.assert_allclose(x.data, tx.detach().numpy(), rtol=1e-10, atol=1e-12)
    loss.backward()
    tloss.backward()
    for ours, theirs in ((a, ta), (b, tb)):
        want = np.zeros_like(ours.data) if theirs.grad is None else theirs.grad.numpy()
        got = np.zeros_like(ours.data) if ours.grad is None else ours.grad
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_linear_and_losses_match_torch():
    rng = np.random.default_rng(1)
    x0, w0, b0 = rng.standard_normal((6, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    y = rng.standard_normal((6, 2))
    labels = (y > 0).astype(float)
    for ours, theirs in [
        (lambda z: F.mse_loss(z, y), lambda z: TF.mse_loss(z, torch.tensor(y))),
        (lambda z: F.binary_cross_entropy_with_logits(z, labels),
         lambda z: TF.binary_cross_entropy_with_logits(z, torch.tensor(labels))),
        (lambda z: F.cross_entropy(z, np.array([0, 1, 1, 0, 1, 0]), reduction="sum"),
         lambda z: TF.cross_entropy(z, torch.tensor([0, 1, 1, 0, 1, 0]), reduction="sum")),
    ]:
        x, w, b = (cr.tensor(v, requires_grad=True) for v in (x0, w0, b0))
        tx, tw, tb = (torch.tensor(v, requires_grad=True) for v in (x0, w0, b0))
        loss, tloss = ours(F.linear(x, w, b)), theirs(TF.linear(tx, tw, tb))
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
        loss.backward()
        tloss.backward()
        for p, tp in ((x, tx), (w, tw), (b, tb)):
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-14)
