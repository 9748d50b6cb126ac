"""Every primitive of the chain-rule table, gradchecked in float64 over generated shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
import chainrule.functional as F
from chainrule import ops

SETTINGS = settings(max_examples=15, deadline=None)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
seeds = st.integers(0, 2**31 - 1)


def _x(shape, seed, low=-2.0, high=2.0, away_from=None):
    x = np.random.default_rng(seed).uniform(low, high, size=shape)
    if away_from is not None:  # keep clear of kinks, where finite differences straddle them
        x = np.where(np.abs(x - away_from) < 0.05, away_from + 0.3, x)
    return x


def _check(fn, *inputs):
    assert cr.gradcheck(fn, *inputs).passed


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": cr.maximum,
    "minimum": cr.minimum,
    "where": lambda a, b: cr.where(a.data > 0.1, a, b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shape=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       seed=seeds)
def test_binary_ops_with_broadcasting(name, shape, seed):
    a_shape, b_shape = shape.input_shapes
    a = _x(a_shape, seed)
    b = _x(b_shape, seed + 1)
    if name in ("div", "pow"):
        a = np.abs(a) + 0.5  # pow needs a positive base for d/db = a^b log a
        b = np.where(np.abs(b) < 0.3, 0.7, b)
    if name in ("maximum", "minimum"):
        b = b + 0.05  # no exact ties
    _check(BINARY[name], a, b)


UNARY = {
    "neg": (lambda t: -t, None),
    "exp": (cr.functional.exp, None),
    "log": (lambda t: cr.functional.log(t * t + 0.5), None),
    "sqrt": (lambda t: cr.functional.sqrt(t * t + 0.5), None),
    "abs": (abs, 0.0),
    "clip": (lambda t: t.clip(-1.0, 1.0), 1.0),
    "sigmoid": (F.sigmoid, None),
    "tanh": (F.tanh, None),
    "relu": (F.relu, 0.0),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.1), 0.0),
    "identity": (F.identity, None),
    "softplus": (F.softplus, None),
    "gelu": (F.gelu, None),
    "softmax": (lambda t: F.softmax(t, axis=-1), None),
    "log_softmax": (lambda t: F.log_softmax(t, axis=0), None),
    "step_sigmoid": (lambda t: F.step(t, derivative="sigmoid") * 0 + F.sigmoid(t), None),
    "reshape": (lambda t: t.reshape(-1), None),
    "transpose": (lambda t: t.T, None),
    "sum": (lambda t: t.sum(axis=0), None),
    "sum_keepdims": (lambda t: t.sum(axis=-1, keepdims=True), None),
    "mean": (lambda t: t.mean(axis=-1), None),
    "mean_all": (lambda t: t.mean(), None),
    "max": (lambda t: t.max(axis=0), None),
    "min": (lambda t: t.min(), None),
    "getitem_slice": (lambda t: t[..., :1], None),
    "getitem_fancy": (lambda t: t[np.array([0, 0, -1])], None),
    "cast": (lambda t: t.astype(np.float64) * 2, None),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary_ops(name, shape, seed):
    fn, kink = UNARY[name]
    _check(fn, _x(shape, seed, away_from=kink))


@SETTINGS
@given(m=st.integers(1, 4), k=st.integers(1, 4), n=st.integers(1, 4), seed=seeds,
       batch=st.sampled_from([(), (2,), (3, 1)]), vec=st.sampled_from(["none", "a", "b", "both"]))
def test_matmul_all_operand_ranks(m, k, n, seed, batch, vec):
    a_shape = (k,) if vec in ("a", "both") else batch + (m, k)
    b_shape = (k,) if vec in ("b", "both") else (k, n)
    _check(lambda a, b: a @ b, _x(a_shape, seed), _x(b_shape, seed + 1))


@SETTINGS
@given(n=st.integers(1, 5), i=st.integers(1, 4), o=st.integers(1, 4), seed=seeds,
       bias=st.booleans())
def test_linear(n, i, o, seed, bias):
    x, w, b = _x((n, i), seed), _x((o, i), seed + 1), _x((o,), seed + 2)
    if bias:
        _check(F.linear, x, w, b)
    else:
        _check(F.linear, x, w)
        np.testing.assert_allclose(F.linear(x, w).data, x @ w.T)


@SETTINGS
@given(n=st.integers(1, 5), c=st.integers(2, 5), seed=seeds,
       reduction=st.sampled_from(["mean", "sum", "none"]), soft=st.booleans())
def test_cross_entropy(n, c, seed, reduction, soft):
    rng = np.random.default_rng(seed)
    if soft:
        target = rng.dirichlet(np.ones(c), size=n)
    else:
        target = rng.integers(0, c, n)
    _check(lambda z: F.cross_entropy(z, target, reduction=reduction), _x((n, c), seed))


@SETTINGS
@given(shape=shapes, seed=seeds, reduction=st.sampled_from(["mean", "sum", "none"]))
def test_mse_and_bce_losses(shape, seed, reduction):
    y = _x(shape, seed + 1)
    _check(lambda p, t: F.mse_loss(p, t, reduction=reduction), _x(shape, seed), y)
    labels = (y > 0).astype(float)
    _check(lambda z: F.binary_cross_entropy_with_logits(z, labels, reduction=reduction),
           _x(shape, seed))


@SETTINGS
@given(shape=shapes, seed=seeds, count=st.integers(1, 3))
def test_concatenate_and_stack(shape, seed, count):
    arrays = [_x(shape, seed + i) for i in range(count)]
    _check(lambda *ts: cr.concatenate(ts, axis=-1) * 2, *arrays)
    _check(lambda *ts: cr.stack(ts, axis=0) * 2, *arrays)


def test_every_primitive_is_covered_by_a_test_here():
    covered = set(BINARY) | {n.split("_keepdims")[0] for n in UNARY} | {
        "matmul", "linear", "cross_entropy", "mse_loss", "binary_cross_entropy_with_logits",
        "concatenate", "stack", "step", "step_straight_through", "step_sigmoid",
        "getitem", "mean",
    }
    missing = set(ops.all_primitives()) - covered
    assert not missing, f"primitives without a gradient test: {sorted(missing)}"


def test_step_derivative_policies():
    x = np.array([-1.0, 0.0, 2.0])
    out = F.step(cr.tensor(x))
    np.testing.assert_array_equal(out.data, [0.0, 1.0, 1.0])  # step(0) = 1, as on the slides
    grads = {}
    for policy in ("zero", "straight_through", "sigmoid"):
        t = cr.tensor(x, requires_grad=True)
        F.step(t, derivative=policy).sum().backward()
        grads[policy] = t.grad
    np.testing.assert_array_equal(grads["zero"], 0.0)
    np.testing.assert_array_equal(grads["straight_through"], 1.0)
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(grads["sigmoid"], s * (1 - s))
    with pytest.raises(cr.ConfigError, match="straight_through"):
        F.step(cr.tensor(x), derivative="magic")


def test_getitem_repeated_fancy_index_adds_up():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0])


def test_max_ties_share_the_gradient():
    x = cr.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.5, 0.5])


@pytest.mark.parametrize("x_shape", [(4,), (2, 3, 4)])
def test_linear_on_a_single_example_and_on_stacked_batches(x_shape):
    x, w, b = _x(x_shape, 0), _x((5, 4), 1), _x((5,), 2)
    np.testing.assert_allclose(F.linear(x, w, b).data, x @ w.T + b)
    _check(F.linear, x, w, b)


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"cast"}))
def test_unary_ops_keep_float32(name):
    fn, kink = UNARY[name]
    x = cr.tensor(_x((3, 4), 0, away_from=kink), dtype=np.float32, requires_grad=True)
    out = fn(x)
    assert out.dtype == np.float32
    (out * 1.0).sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops_keep_float32(name):
    a = cr.tensor(np.abs(_x((3, 4), 0)) + 0.5, dtype=np.float32, requires_grad=True)
    b = cr.tensor(_x((4,), 1) + 0.05, dtype=np.float32, requires_grad=True)
    out = BINARY[name](a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_losses_keep_float32():
    z = cr.tensor(_x((5, 3), 0), dtype=np.float32, requires_grad=True)
    for loss in (F.cross_entropy(z, np.array([0, 1, 2, 0, 1])),
                 F.mse_loss(z, np.zeros((5, 3))),
                 F.binary_cross_entropy_with_logits(z, np.ones((5, 3)))):
        assert loss.dtype == np.float32
        z.zero_grad()
        loss.backward()
        assert z.grad.dtype == np.float32
