"""Exact constructions (Questions 1c, 1d and 2): outputs checked to the last bit."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ConfigError, ShapeError
from chainrule.theory import (
    XOR_LABELS,
    XOR_POINTS,
    OneHiddenLayer,
    grid,
    identity_linear,
    max_error,
    piecewise_constant,
    predict,
    relu_interpolant,
    represents,
    step_piecewise_constant,
    xor_relu,
    xor_table,
)


def test_xor_table_is_the_slides_table():
    table = xor_table()
    # The slide: x, h(x), g(h(x)), f(x), in the slide's row order.
    slide = [((1, 1), (2, -2), (2, 0), 1), ((-1, 1), (0, 0), (0, 0), -1),
             ((1, -1), (0, 0), (0, 0), -1), ((-1, -1), (-2, 2), (0, 2), 1)]
    assert table.rows() == [(x, h, g, f) for x, h, g, f in slide]
    assert table.solved
    text = str(table)
    assert "[2 -2]" in text and "[0 2]" in text and "-0" not in text
    assert text.splitlines()[0].split() == ["x", "h(x)", "g(h(x))", "f(x)", "y"]


def test_xor_network_weights_are_the_slides():
    w = xor_relu().weights()
    np.testing.assert_array_equal(w["W1"], [[1, 1], [-1, -1]])
    np.testing.assert_array_equal(w["b1"], [0, 0])
    np.testing.assert_array_equal(w["w2"], [1, 1])
    assert w["b2"] == -1
    np.testing.assert_array_equal(predict(xor_relu(), XOR_POINTS), XOR_LABELS)


def test_slide_step_network_is_exact_on_a_dense_grid():
    a, b, c = 0.25, 0.75, 3.0
    net = step_piecewise_constant([a, b], [0.0, c, 0.0])
    w = net.weights()
    np.testing.assert_array_equal(w["w2"], [c, -c])  # f(x) = c g(x - a) - c g(x - b)
    np.testing.assert_array_equal(w["b1"], [-a, -b])
    f = piecewise_constant([a, b], [0.0, c, 0.0])
    assert max_error(net, f, (-1.0, 2.0), 30001) == 0.0  # the grid holds a and b exactly
    X = np.array([[a - 1e-12], [a], [b - 1e-12], [b]])
    np.testing.assert_array_equal(predict(net, X), [0.0, c, c, 0.0])  # g(0) = 1


@pytest.mark.parametrize("breaks, values", [
    ([0.0], [1.0, 2.0]),
    ([-0.5, 0.0, 0.5, 1.25], [1.0, -2.0, 0.5, 4.0, -1.5]),
    (list(np.linspace(-1, 1, 17)), list(np.arange(18) % 5 - 2.0)),
])
def test_step_network_equals_any_piecewise_constant_function(breaks, values):
    net = step_piecewise_constant(breaks, values)
    assert net.units == len(breaks)
    assert represents(net, piecewise_constant(breaks, values), (-2.0, 2.0), tol=0.0,
                      points=40001)


def test_identity_network_is_exactly_ax_plus_b():
    for a, b in [(2.0, 1.0), (-0.3, 1.7), (0.1, -0.2)]:
        net = identity_linear(a, b)
        w = net.weights()
        assert w["w2"][0] * w["W1"][0, 0] == a                 # a = w1 v1
        assert w["b2"] + w["w2"][0] * w["b1"][0] == b          # b = w0 + w1 b1
        assert max_error(net, lambda x, a=a, b=b: a * x + b, (-10, 10), 20001) == 0.0


def test_relu_interpolant_passes_through_every_point():
    rng = np.random.default_rng(3)
    xs = np.sort(rng.uniform(-3, 3, 12))
    ys = rng.normal(size=12)
    net = relu_interpolant(xs, ys)
    assert net.units == len(xs)  # one unit per interior kink, plus the pair for the line
    np.testing.assert_allclose(predict(net, xs[:, None]), ys, rtol=0, atol=1e-12)
    # Linear between the points: the midpoint of each segment is the mean of its ends.
    mids = (xs[1:] + xs[:-1]) / 2
    np.testing.assert_allclose(predict(net, mids[:, None]), (ys[1:] + ys[:-1]) / 2, atol=1e-12)
    # Integer data: exact to the last bit, and unsorted input is fine.
    net = relu_interpolant([2, 0, 1, 3], [1, 0, 3, -1])
    np.testing.assert_array_equal(predict(net, np.array([[0.0], [1], [2], [3]])), [0, 3, 1, -1])


def test_constructions_are_modules_with_the_callers_dtype():
    net = step_piecewise_constant([0.0], [1.0, 2.0])
    assert isinstance(net, cr.nn.Module)
    assert {p.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    x64 = cr.tensor(grid((-1, 1), 7), dtype=np.float64)
    out = net(x64)
    assert out.shape == (7, 1) and out.dtype == np.float64
    out32 = net(cr.tensor(grid((-1, 1), 7), dtype=np.float32))
    assert out32.shape == (7, 1) and out32.dtype == np.float32
    np.testing.assert_array_equal(out32.data, out.data.astype(np.float32))
    assert xor_relu()(cr.tensor(XOR_POINTS, dtype=np.float32)).dtype == np.float32


def test_step_derivative_policy_reaches_the_hidden_layer():
    X = cr.tensor(grid((-1, 1), 50), dtype=np.float64)
    for derivative, zero in (("zero", True), ("sigmoid", False), ("straight_through", False)):
        net = step_piecewise_constant([-0.5, 0.5], [0.0, 1.0, 0.0], derivative=derivative)
        (net(X) ** 2).mean().backward()
        assert bool(np.abs(net.hidden.weight.grad).max() == 0) == zero, derivative
        assert np.abs(net.output.weight.grad).max() > 0  # the output layer always learns


def test_bad_constructions_say_what_is_wrong():
    with pytest.raises(ConfigError, match="ascending"):
        step_piecewise_constant([1.0, 0.0], [0, 1, 2])
    with pytest.raises(ConfigError, match="3 entries"):
        step_piecewise_constant([0.0, 1.0], [0, 1])
    with pytest.raises(ConfigError, match="at least two points"):
        relu_interpolant([0.0], [1.0])
    with pytest.raises(ConfigError, match="distinct"):
        relu_interpolant([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ShapeError, match=r"\(N, 2\)"):
        xor_relu()(np.ones((3, 3)))
    with pytest.raises(ShapeError):
        OneHiddenLayer.from_weights([[1.0]], [0.0, 1.0], [1.0], 0.0, "relu")
