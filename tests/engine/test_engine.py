"""The engine's contract: accumulation, release, no_grad, deep graphs, memory, errors."""

import resource
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.functional as F
from chainrule.autograd import Primitive


def test_leaf_gradients_accumulate_until_zero_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [2 + 3, 4 + 3])
    x.zero_grad()
    assert x.grad is None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [2, 4])


def test_shared_subexpression_sums_both_paths():
    x = cr.tensor(3.0, requires_grad=True)
    y = x * x  # used twice below
    z = y * y + y  # dz/dx = (2y + 1) * 2x = 19 * 6
    z.backward()
    assert x.grad == pytest.approx(114.0)


def test_second_backward_on_released_graph_is_a_clear_error():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    loss = cr.tanh(x).sum()
    loss.backward()
    with pytest.raises(cr.GraphError, match="already released.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * 2 * np.array([1.0, 2.0]))


def test_non_scalar_backward_needs_grad_and_names_the_shape():
    x = cr.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(cr.GraphError, match=r"\(2, 3\)"):
        y.backward()
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad, np.ones((2, 3)))


def test_backward_grad_of_wrong_shape_is_a_shape_error():
    x = cr.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(cr.ShapeError, match=r"\(3,\).*\(2,\)"):
        (x * 2).backward(np.ones(2))


def test_backward_without_any_grad_input_is_a_clear_error():
    with pytest.raises(cr.GraphError, match="does not require grad"):
        (cr.tensor([1.0]) * 2).sum().backward()


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(cr.DTypeError, match="int64.*float32 or float64"):
        cr.tensor([1, 2, 3], requires_grad=True)


def test_no_grad_context_and_decorator_record_nothing():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
    assert not y.requires_grad and y._node is None

    @cr.no_grad()
    def f(t):
        return t * 3

    z = f(x)
    assert not z.requires_grad
    assert cr.is_grad_enabled()
    assert (x * 2).requires_grad


def test_a_chain_of_100000_ops_backpropagates_without_recursion_error():
    assert sys.getrecursionlimit() < 100_000
    x = cr.tensor(1.0, requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def _mlp_step(params, X, labels):
    W1, b1, W2, b2 = params
    loss = F.cross_entropy(F.linear(F.relu(F.linear(X, W1, b1)), W2, b2), labels)
    loss.backward()
    with cr.no_grad():
        for p in params:
            p.data -= 0.01 * p.grad
            p.zero_grad()


def test_memory_stays_flat_over_1000_training_steps():
    rng = np.random.default_rng(0)
    params = [cr.tensor(rng.standard_normal(s) * 0.1, dtype=np.float32, requires_grad=True)
              for s in [(64, 32), (64,), (10, 64), (10,)]]
    X = cr.tensor(rng.standard_normal((128, 32)), dtype=np.float32)
    labels = rng.integers(0, 10, 128)
    for _ in range(100):
        _mlp_step(params, X, labels)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1000):
        _mlp_step(params, X, labels)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 5_000  # KiB; a leaked graph would hold ~100 KiB per step


def test_graph_is_released_after_backward():
    x = cr.tensor(np.ones(3), requires_grad=True)
    y = cr.sigmoid(x)
    loss = y.sum()
    loss.backward()
    assert y._node.released and y._node.saved is None and y._node.inputs == ()


def test_grad_keeps_the_leaf_dtype():
    w = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    x = cr.tensor(np.ones(3, dtype=np.float64))
    out = (w * x).sum()
    assert out.dtype == np.float64  # float32 with float64 promotes, as in NumPy and PyTorch
    out.backward()
    assert w.grad.dtype == np.float32


def test_detach_cuts_the_graph():
    x = cr.tensor([2.0], requires_grad=True)
    y = (x * x).detach() * x
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [4.0])


# ----- user-defined primitives


def _cube_fwd(x):
    return x**3, x


def _cube_vjp(g, x, needs):
    return (g * 3 * x**2,)


def _cube_wrong_vjp(g, x, needs):
    return (g * 2 * x**2,)  # a typical hand-derivation slip


def test_a_user_defined_primitive_trains_and_passes_gradcheck():
    cube = Primitive("cube", _cube_fwd, _cube_vjp, formulas=("dJ/dx = dJ/dy * 3x^2",))
    x = cr.tensor([1.0, -2.0], requires_grad=True)
    cube(x).sum().backward()
    np.testing.assert_allclose(x.grad, [3.0, 12.0])
    report = cr.gradcheck(lambda t: cube(t), np.array([0.5, -1.5, 2.0]))
    assert report.passed


def test_gradcheck_catches_a_wrong_vjp_and_reports_it():
    bad = Primitive("cube", _cube_fwd, _cube_wrong_vjp)
    with pytest.raises(cr.GradcheckError) as info:
        cr.gradcheck(lambda t: bad(t).sum(), np.array([0.5, -1.5, 2.0]))
    report = info.value.report
    assert not report.passed
    check = report.inputs[0]
    assert check.worst_index == (2,)  # the largest |x| gives the largest error
    assert check.max_rel_error == pytest.approx(1 / 3, rel=1e-6)
    assert "wrong" in str(report)


def test_gradcheck_report_without_raising():
    bad = Primitive("cube", _cube_fwd, _cube_wrong_vjp)
    report = cr.gradcheck(lambda t: bad(t), np.array([1.0]), raise_on_failure=False)
    assert not report
    assert "FAILED" in str(report)


def test_yielded_gradients_are_each_slots_own_contribution():
    from chainrule.autograd import iter_backward

    x = cr.tensor([2.0, 3.0], requires_grad=True)
    y = x * x
    steps = list(iter_backward(y.sum()))
    _, _, (first, second) = steps[-1]  # the mul node: d(x*x)/dx through each slot is x
    np.testing.assert_array_equal(first, [2.0, 3.0])
    np.testing.assert_array_equal(second, [2.0, 3.0])
    np.testing.assert_array_equal(x.grad, [4.0, 6.0])


def test_no_grad_decorator_survives_recursion_and_enable_grad_nests():
    @cr.no_grad()
    def depth(n):
        assert not cr.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(3) == 3
    assert cr.is_grad_enabled()  # restored after the outermost call
    with cr.no_grad():
        with cr.enable_grad():
            assert (cr.tensor([1.0], requires_grad=True) * 2).requires_grad
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
